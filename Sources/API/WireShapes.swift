import Engine
import JSON

/// Engine values rendered in Milvus's wire shapes.
enum WireShapes {
    /// `[{"key":..,"value":..}]`; an empty value renders as `{"key":k}`, as Go's omitempty does.
    static func properties(_ properties: [Property]) -> JSONValue {
        .array(properties.map { p in
            p.value.isEmpty ? ["key": .string(p.key)] : ["key": .string(p.key), "value": .string(p.value)]
        })
    }

    /// A field in `collections/describe`.
    static func field(_ f: FieldSchema) -> JSONValue {
        var o = JSONObject()
        o.append("name", .string(f.name))
        o.append("id", .int(f.id))
        o.append("type", .string(f.dataType.name))
        o.append("primaryKey", .bool(f.isPrimaryKey))
        o.append("partitionKey", .bool(f.isPartitionKey))
        o.append("clusteringKey", .bool(f.isClusteringKey))
        o.append("autoId", .bool(f.autoID))
        o.append("nullable", .bool(f.nullable))
        o.append("description", .string(f.description))
        if !f.typeParams.isEmpty { o.append("params", properties(f.typeParams)) }
        if let e = f.elementType { o.append("elementType", .string(e.name)) }
        if let d = f.defaultValue { o.append("defaultValue", defaultValue(d, type: f.dataType)) }
        return .object(o)
    }

    /// Milvus renders a default value as its protobuf wrapper: `{"Data":{"LongData":7}}`.
    static func defaultValue(_ value: ScalarValue, type: DataType) -> JSONValue {
        let (key, v): (String, JSONValue) = switch (value, type) {
        case (.bool(let b), _): ("BoolData", .bool(b))
        case (.int(let i), .int64): ("LongData", .int64Datum(i))
        case (.int(let i), .float), (.int(let i), .double): (type == .float ? "FloatData" : "DoubleData", .double(Double(i)))
        case (.int(let i), _): ("IntData", .int(i))
        case (.double(let d), .float): ("FloatData", .double(d))
        case (.double(let d), _): ("DoubleData", .double(d))
        case (.string(let s), _): ("StringData", .string(s))
        }
        return ["Data": .object(JSONObject(entries: [JSONObject.Entry(key: key, value: v)]))]
    }

    /// A list of strings.
    static func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
}
