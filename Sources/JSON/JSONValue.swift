/// An exact JSON value. Integers stay `Int64` end to end: they never pass through `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integer that is always written as a JSON number (ids, counts, sizes of the API's own metadata).
    case int(Int64)
    /// A 64-bit integer of user data (an Int64 field, a primary key, a count): written as a decimal string
    /// when the client asked for `Accept-Type-Allow-Int64: false`, as Milvus does.
    case int64Datum(Int64)
    case double(Double)
    /// A 32-bit float, written in its own shortest form (`0.9128709`, not `0.91287088394165039`).
    case float(Float)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in error messages ("string", "number", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .int64Datum, .double, .float: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, index >= 0, index < a.count { return a[index] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    /// The integer, if this is an integer (of either kind).
    public var intValue: Int64? {
        switch self {
        case .int(let v), .int64Datum(let v): return v
        default: return nil
        }
    }
    /// The number as a `Double` (integers convert), if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let v), .int64Datum(let v): return Double(v)
        case .double(let d): return d
        case .float(let f): return Double(f)
        default: return nil
        }
    }
    public var isNull: Bool { if case .null = self { return true }; return false }
}

/// A JSON object that keeps its keys in insertion order (jansson keeps the document's order).
public struct JSONObject: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init() { entries = [] }
    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        entries = pairs.map { Entry(key: $0.key, value: $0.value) }
    }
    public init(entries: [Entry]) { self.entries = entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// Looks a key up; the last occurrence wins, as in Go's decoder. Objects here are small, so a scan is
    /// faster than hashing.
    public subscript(key: String) -> JSONValue? {
        get {
            var i = entries.count - 1
            while i >= 0 {
                if entries[i].key == key { return entries[i].value }
                i -= 1
            }
            return nil
        }
        set {
            if let i = entries.lastIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// Appends without checking for an existing key (the caller knows the key is new).
    public mutating func append(_ key: String, _ value: JSONValue) {
        entries.append(Entry(key: key, value: value))
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(entries: elements.map { JSONObject.Entry(key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}
