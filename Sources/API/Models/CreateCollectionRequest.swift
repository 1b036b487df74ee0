import Engine
import JSON

/// `collections/create` decoded into an engine definition. Quick setup when `schema.fields` is empty,
/// full schema otherwise (reference §5).
struct CreateCollectionRequest {
    var definition: CollectionDefinition
    var indexes: [IndexRequest]

    init(_ body: RequestBody) throws(SwiftvecError) {
        let name = try body.requiredString("collectionName")
        let params = try body.object("params") ?? JSONObject()
        let schemaObject = try body.object("schema")
        var fieldValues: [JSONValue]? = nil
        if let schemaObject { fieldValues = try body.nested(schemaObject, path: "schema").array("fields") }
        let description = try body.string("description") ?? schemaObject.flatMap { $0["description"]?.stringValue } ?? ""

        var properties: [Property] = try body.object("properties").map(RequestBody.properties) ?? []
        if let ttl = params["ttlSeconds"] { properties.set("collection.ttl.seconds", RequestBody.stringify(ttl)) }
        if let isolation = params["partitionKeyIsolation"] {
            properties.set("partitionkey.isolation", RequestBody.stringify(isolation))
        }
        if let mmap = params["mmap.enabled"] { properties.set("mmap.enabled", RequestBody.stringify(mmap)) }

        let schema: CollectionSchema
        if let fieldValues, !fieldValues.isEmpty {
            schema = try Self.fullSchema(body.nested(schemaObject!, path: "schema"), fields: fieldValues, description: description)
            indexes = []
            for (i, v) in (try body.array("indexParams") ?? []).enumerated() {
                indexes.append(try Self.indexRequest(v, body: body, path: "indexParams[\(i)]"))
            }
        } else {
            (schema, indexes) = try Self.quickSchema(body, params: params, description: description)
        }

        var consistency = ConsistencyLevel.bounded
        let levels = [params["consistencyLevel"].map { RequestBody.stringify($0) }, try body.string("consistencyLevel")].compactMap { $0 }
        if levels.count == 2, levels[0] != levels[1] {
            throw .invalidParameter("consistencyLevel conflicts: \(levels[1]) at top level, \(levels[0]) in params")
        }
        if let level = levels.first {
            guard let parsed = ConsistencyLevel(rawValue: level) else {
                throw .invalidParameter("consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized], default: Bounded, got \(level)")
            }
            consistency = parsed
        }
        // Milvus parses shardsNum leniently: an unparsable value means the default.
        let shards = params["shardsNum"].flatMap(Self.lenientInteger) ?? 1
        let partitionsNum = params["partitionsNum"].flatMap(Self.lenientInteger)

        definition = CollectionDefinition(
            name: name, schema: schema, shardsNum: Int32(clamping: shards), consistencyLevel: consistency,
            partitionsNum: partitionsNum.map { Int(clamping: $0) }, properties: properties)
    }

    /// An integer given as a number (`2`, `2.0`) or as text (`"2"`), the way Milvus reads `params` through `%v`.
    private static func lenientInteger(_ v: JSONValue) -> Int64? {
        if let i = v.intValue { return i }
        if case .double(let d) = v, d == d.rounded(), abs(d) < 9e18 { return Int64(d) }
        return v.stringValue.flatMap { Int64($0) }
    }

    /// Quick setup: a primary key and one vector field, an AUTOINDEX on the vector, then load.
    private static func quickSchema(_ body: RequestBody, params: JSONObject, description: String) throws(SwiftvecError)
        -> (CollectionSchema, [IndexRequest])
    {
        let vectorTypeName = try body.string("vectorFieldType") ?? ""
        let vectorType: DataType
        if vectorTypeName.isEmpty {
            vectorType = .floatVector
        } else {
            guard let t = DataType(name: vectorTypeName), t.isVector else {
                throw .invalidParameter("vectorFieldType \(vectorTypeName) is invalid, expected one of FloatVector, BinaryVector, Float16Vector, BFloat16Vector, SparseFloatVector, Int8Vector")
            }
            vectorType = t
        }
        let dimension = try body.int("dimension") ?? 0
        var vectorParams: [Property] = []
        if vectorType == .sparseFloatVector {
            guard dimension == 0 else { throw .invalidParameter("dimension should not be set for a SparseFloatVector field") }
        } else {
            guard dimension > 0 else {
                throw SwiftvecError(.invalidParameter,
                                    "dimension is required for quickly create collection(default metric type: COSINE): invalid parameter[expected=collectionName & dimension][actual=collectionName]")
            }
            vectorParams = [Property("dim", String(dimension))]
        }

        let idType = try body.string("idType") ?? ""
        let primaryType: DataType
        var primaryParams: [Property] = []
        switch idType {
        case "", "Int64", "int64": primaryType = .int64
        case "VarChar", "Varchar":
            primaryType = .varChar
            guard let maxLength = params["max_length"] else {
                throw .invalidParameter("params.max_length is required for a VarChar primary key")
            }
            primaryParams = [Property("max_length", RequestBody.stringify(maxLength))]
        default:
            throw .invalidParameter("idType can only be [Int64, VarChar], default: Int64")
        }
        var dynamic = true
        if let v = params["enableDynamicField"] {
            switch RequestBody.stringify(v).lowercased() {
            case "true", "1", "t": dynamic = true
            case "false", "0", "f": dynamic = false
            default: throw .invalidParameter("params.enableDynamicField should be true or false")
            }
        }
        let primaryName = try body.string("primaryFieldName").flatMap { $0.isEmpty ? nil : $0 } ?? "id"
        let vectorName = try body.string("vectorFieldName").flatMap { $0.isEmpty ? nil : $0 } ?? "vector"
        let schema = CollectionSchema(description: description, enableDynamicField: dynamic, fields: [
            FieldSchema(name: primaryName, dataType: primaryType, isPrimaryKey: true, autoID: try body.bool("autoID") ?? false,
                        typeParams: primaryParams),
            FieldSchema(name: vectorName, dataType: vectorType, typeParams: vectorParams),
        ])
        let index = IndexRequest(fieldName: vectorName, indexName: vectorName, indexType: "AUTOINDEX",
                                 metricType: try body.string("metricType") ?? "")
        return (schema, [index])
    }

    /// Full schema: every field as given; dynamic field off unless asked.
    private static func fullSchema(_ schema: RequestBody, fields: [JSONValue], description: String) throws(SwiftvecError) -> CollectionSchema {
        let autoID = try schema.bool("autoID") ?? false
        var result: [FieldSchema] = []
        for (i, value) in fields.enumerated() {
            let path = "schema.fields[\(i)]"
            guard case .object(let object) = value else {
                throw SwiftvecError(.invalidJSON, "can only accept json format request, error: \(path): expected an object, got \(value.typeName)")
            }
            let f = RequestBody(object: object, structName: "FieldSchema").nested(object, path: path)
            let typeName = try f.string("dataType") ?? ""
            guard let type = DataType(name: typeName) else {
                throw .invalidParameter("\(path): data type \(typeName) is invalid(case sensitive)")
            }
            var field = FieldSchema(name: try f.string("fieldName") ?? "", description: try f.string("description") ?? "",
                                    dataType: type)
            if type == .array {
                let elementName = try f.string("elementDataType") ?? ""
                guard let element = DataType(name: elementName) else {
                    throw .invalidParameter("\(path): element data type \(elementName) is invalid(case sensitive)")
                }
                field.elementType = element
            }
            field.isPrimaryKey = try f.bool("isPrimary") ?? false
            field.isPartitionKey = try f.bool("isPartitionKey") ?? false
            field.isClusteringKey = try f.bool("isClusteringKey") ?? false
            field.nullable = try f.bool("nullable") ?? false
            field.autoID = field.isPrimaryKey && autoID
            field.typeParams = try f.object("elementTypeParams").map(RequestBody.properties) ?? []
            if let v = f.value("defaultValue") { field.defaultValue = try defaultValue(v, type: type, path: path) }
            result.append(field)
        }
        return CollectionSchema(description: description, enableDynamicField: try schema.bool("enableDynamicField") ?? false,
                                fields: result)
    }

    /// A default value of the field's type: bools as JSON bools, numbers as JSON numbers, strings as strings.
    private static func defaultValue(_ v: JSONValue, type: DataType, path: String) throws(SwiftvecError) -> ScalarValue {
        let fail = SwiftvecError.invalidParameter("\(path): convert defaultValue fail, a \(type.name) field cannot take the \(v.typeName) \(RequestBody.stringify(v))")
        switch (type, v) {
        case (.bool, .bool(let b)): return .bool(b)
        case (.int8, _), (.int16, _), (.int32, _), (.int64, _):
            if let i = v.intValue { return .int(i) }
            if case .double(let d) = v, d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
            throw fail
        case (.float, _), (.double, _):
            if let d = v.doubleValue, d.isFinite { return .double(d) }
            throw fail
        case (.varChar, .string(let s)): return .string(s)
        default: throw fail
        }
    }

    /// One element of `indexParams` (shared with `indexes/create`).
    static func indexRequest(_ value: JSONValue, body: RequestBody, path: String) throws(SwiftvecError) -> IndexRequest {
        guard case .object(let object) = value else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: \(path): expected an object, got \(value.typeName)")
        }
        let p = body.nested(object, path: path)
        let field = try p.string("fieldName") ?? ""
        guard !field.isEmpty else { throw p.missing("fieldName") }
        return IndexRequest(fieldName: field, indexName: try p.string("indexName") ?? "", indexType: try p.string("indexType") ?? "",
                            metricType: try p.string("metricType") ?? "",
                            params: try p.object("params").map(RequestBody.properties) ?? [])
    }
}
