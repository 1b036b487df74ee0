import JSON

/// The value of one field in one row.
public enum FieldValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Int8, Int16, Int32 and Int64 fields.
    case int(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case json(JSONValue)
    /// An Array field's elements (scalars of the element type).
    case array([FieldValue])
    case floatVector([Float])
    /// Raw little-endian bytes of a BinaryVector, Float16Vector or BFloat16Vector.
    case bytes([UInt8])
    case int8Vector([Int8])
    case sparse(SparseVector)
}

/// A sparse float vector: strictly increasing indices with their values.
public struct SparseVector: Sendable, Equatable {
    public var indices: [UInt32]
    public var values: [Float]

    public init(indices: [UInt32], values: [Float]) {
        self.indices = indices
        self.values = values
    }
}

/// A primary key value.
public enum PrimaryKey: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .string(let s): s
        }
    }

    public var fieldValue: FieldValue {
        switch self {
        case .int(let v): .int(v)
        case .string(let s): .string(s)
        }
    }
}

/// One row to write: a value per schema field (in schema order; `.null` for an auto-id primary key that the
/// engine fills in) and the dynamic field's keys.
public struct EntityRow: Sendable, Equatable {
    public var values: [FieldValue]
    public var dynamic: JSONObject?

    public init(values: [FieldValue], dynamic: JSONObject? = nil) {
        self.values = values
        self.dynamic = dynamic
    }
}

extension FieldSchema {
    /// A default value as a value of this field's type.
    public func fieldValue(of value: ScalarValue) -> FieldValue {
        switch (value, dataType) {
        case (.bool(let b), _): .bool(b)
        case (.int(let i), .float): .float(Float(i))
        case (.int(let i), .double): .double(Double(i))
        case (.int(let i), _): .int(i)
        case (.double(let v), .float): .float(Float(v))
        case (.double(let v), _): .double(v)
        case (.string(let s), _): .string(s)
        }
    }
}

extension DataType {
    /// Bytes per row of a dense vector field of dimension `dim`.
    public func bytesPerVector(dim: Int) -> Int {
        switch self {
        case .floatVector: dim * 4
        case .float16Vector, .bFloat16Vector: dim * 2
        case .int8Vector: dim
        case .binaryVector: dim / 8
        default: 0
        }
    }
}
