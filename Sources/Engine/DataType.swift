/// Field data types, with Milvus's names and enum numbers.
public enum DataType: Int32, Sendable, CaseIterable {
    case bool = 1, int8 = 2, int16 = 3, int32 = 4, int64 = 5
    case float = 10, double = 11
    case varChar = 21, array = 22, json = 23
    case binaryVector = 100, floatVector = 101, float16Vector = 102, bFloat16Vector = 103
    case sparseFloatVector = 104, int8Vector = 105

    /// The case-sensitive Milvus name (`Int64`, `VarChar`, `FloatVector`, ...).
    public var name: String {
        switch self {
        case .bool: "Bool"
        case .int8: "Int8"
        case .int16: "Int16"
        case .int32: "Int32"
        case .int64: "Int64"
        case .float: "Float"
        case .double: "Double"
        case .varChar: "VarChar"
        case .array: "Array"
        case .json: "JSON"
        case .binaryVector: "BinaryVector"
        case .floatVector: "FloatVector"
        case .float16Vector: "Float16Vector"
        case .bFloat16Vector: "BFloat16Vector"
        case .sparseFloatVector: "SparseFloatVector"
        case .int8Vector: "Int8Vector"
        }
    }

    /// Parses a Milvus type name, case-sensitively as Milvus does.
    public init?(name: String) {
        guard let t = DataType.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }

    public var isVector: Bool { rawValue >= 100 }
    public var isInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
    public var isFloatingPoint: Bool { self == .float || self == .double }
    /// Dense vectors whose components are numbers (compared with L2, IP or COSINE).
    public var isDenseNumericVector: Bool {
        self == .floatVector || self == .float16Vector || self == .bFloat16Vector || self == .int8Vector
    }
    /// Types allowed as elements of an `Array` field.
    public var isArrayElementType: Bool {
        switch self {
        case .bool, .int8, .int16, .int32, .int64, .float, .double, .varChar: true
        default: false
        }
    }
}

/// Milvus consistency levels. Swiftvec answers every read with Strong semantics; the level is kept and
/// reported for compatibility.
public enum ConsistencyLevel: String, Sendable, CaseIterable {
    case strong = "Strong", session = "Session", bounded = "Bounded", eventually = "Eventually"
    case customized = "Customized"
}

/// A key/value pair of strings (type params, properties, index params), in the order given.
public struct Property: Sendable, Equatable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

extension [Property] {
    /// The value of `key`, if present.
    public func value(of key: String) -> String? { first(where: { $0.key == key })?.value }

    /// Sets or replaces `key`, keeping the position of an existing entry.
    public mutating func set(_ key: String, _ value: String) {
        if let i = firstIndex(where: { $0.key == key }) { self[i].value = value } else { append(Property(key, value)) }
    }
}

/// A scalar value: field default values.
public enum ScalarValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
}
