import Engine
import JSON

/// Renders engine rows in Milvus 3.0's shapes (reference §7.4): plain arrays, JSON fields as JSON values,
/// byte vectors in base64, sparse vectors as `{"index": value}`, 64-bit integers exact (and strings when the
/// client asks). `legacyArrays` and `nativeJSON` restore Milvus 2.6's shapes.
struct RowEncoder {
    let schema: CollectionSchema
    /// Schema positions of the fields to output, in output order.
    let fields: [Int]
    /// Dynamic keys to output: nil for none, empty for all.
    let dynamicKeys: [String]?
    let options: APIOptions

    /// One field's value as JSON (`write` renders whole rows).
    func value(_ v: FieldValue, field: FieldSchema) -> JSONValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return field.dataType == .int64 ? .int64Datum(i) : .int(i)
        case .float(let f): return .float(f)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .json(let j): return options.nativeJSONResponse ? j : .string(JSONWriter().encodeString(j))
        case .array(let items):
            let element = field.elementType ?? .int64
            let values: [JSONValue] = items.map { item in
                switch item {
                case .int(let i): element == .int64 ? .int64Datum(i) : .int(i)
                case .float(let f): .float(f)
                case .double(let d): .double(d)
                case .bool(let b): .bool(b)
                case .string(let s): .string(s)
                default: .null
                }
            }
            guard options.legacyArrayResponse else { return .array(values) }
            let key = switch element {
            case .bool: "BoolData"
            case .int8, .int16, .int32: "IntData"
            case .int64: "LongData"
            case .float: "FloatData"
            case .double: "DoubleData"
            default: "StringData"
            }
            return ["Data": .object(JSONObject(entries: [.init(key: key, value: ["data": .array(values)])]))]
        case .floatVector(let vector): return .array(vector.map { .float($0) })
        case .bytes(let bytes): return .string(Base64.encode(bytes))
        case .int8Vector(let vector): return .string(Base64.encode(vector.map { UInt8(bitPattern: $0) }))
        case .sparse(let s):
            return .object(JSONObject(entries: zip(s.indices, s.values).map { .init(key: String($0), value: .float($1)) }))
        }
    }
}

/// Server-wide choices of wire shapes, named after Milvus's configuration keys.
public struct APIOptions: Sendable {
    /// Arrays as Milvus 2.x's protobuf wrapper (`{"Data":{"LongData":{"data":[...]}}}`) instead of plain arrays.
    public var legacyArrayResponse: Bool
    /// JSON fields as JSON values (true, Milvus 3.0) or as strings holding JSON text (false, Milvus 2.x).
    public var nativeJSONResponse: Bool
    /// Every API route needs a user's credential and that user's privilege (`--auth`).
    public var authEnabled: Bool

    public init(legacyArrayResponse: Bool = false, nativeJSONResponse: Bool = true, authEnabled: Bool = false) {
        self.legacyArrayResponse = legacyArrayResponse
        self.nativeJSONResponse = nativeJSONResponse
        self.authEnabled = authEnabled
    }
}
