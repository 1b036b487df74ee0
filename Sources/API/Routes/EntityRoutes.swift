import Engine
import JSON

/// `/v2/vectordb/entities/*`: insert, upsert, delete, get, query.
enum EntityRoutes {
    static let maxQueryResultWindow = 16_384

    static func insert(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (database, c) = try collection(ctx)
        let data = try requiredData(ctx)
        let decoder = RowDecoder(schema: c.schema, properties: c.properties, isUpsert: false, nativeJSON: ctx.options.nativeJSONResponse)
        let (rows, _) = try decoder.decode(data)
        let keys = try ctx.engine.insert(database: database, collection: c.name, partition: try ctx.body.string("partitionName"), rows: rows)
        return Reply(data: ["insertCount": .int(Int64(keys.count)), "insertIds": .array(keys.map(wireKey))], extra: [("cost", 0)])
    }

    static func upsert(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (database, c) = try collection(ctx)
        let data = try requiredData(ctx)
        let partial = try ctx.body.bool("partialUpdate") ?? false
        let decoder = RowDecoder(schema: c.schema, properties: c.properties, isUpsert: true, nativeJSON: ctx.options.nativeJSONResponse)
        let (rows, provided) = try decoder.decode(data, partial: partial)
        let keys = try ctx.engine.upsert(database: database, collection: c.name, partition: try ctx.body.string("partitionName"),
                                         rows: rows, partialUpdate: partial, providedFields: provided)
        return Reply(data: ["upsertCount": .int(Int64(keys.count)), "upsertIds": .array(keys.map(wireKey))], extra: [("cost", 0)])
    }

    static func delete(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (database, c) = try collection(ctx)
        let filterText = try ctx.body.string("filter") ?? ""
        let filter: CompiledFilter?
        if !filterText.contains(where: { !$0.isWhitespace }), let ids = ctx.body.value("id") {
            // Milvus 3.0 also deletes by `id`.
            filter = FilterCompiler.primaryKeys(try primaryKeys(ids, schema: c.schema), schema: c.schema)
        } else {
            guard filterText.contains(where: { !$0.isWhitespace }) else { throw ctx.body.missing("filter") }
            filter = try FilterCompiler.compile(filterText, parameters: try ctx.body.object("exprParams"), schema: c.schema)
        }
        var partitions: [String] = []
        if let p = try ctx.body.string("partitionName"), !p.isEmpty { partitions = [p] }
        let count = try ctx.engine.delete(database: database, collection: c.name, selection: RowSelection(partitions: partitions, filter: filter))
        return Reply(data: ["deleteCount": .int(Int64(count))])
    }

    static func get(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (database, c) = try collection(ctx)
        guard let ids = ctx.body.value("id") else { throw ctx.body.missing("id") }
        let keys = try primaryKeys(ids, schema: c.schema)
        try checkConsistency(ctx)
        let output = try OutputFields(try ctx.body.stringArray("outputFields") ?? ["*"], schema: c.schema)
        let rows = try ctx.engine.get(database: database, collection: c.name, keys: keys,
                                      partitions: try ctx.body.stringArray("partitionNames") ?? [],
                                      fields: Set(output.fields), dynamic: output.dynamicKeys != nil)
        let encoder = RowEncoder(schema: c.schema, fields: output.fields, dynamicKeys: output.dynamicKeys, options: ctx.options)
        return Reply(stream: EncodedRows(encoder: encoder, rows: .entities(rows)), extra: [("cost", 0)])
    }

    static func query(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (database, c) = try collection(ctx)
        let filterText = try ctx.body.string("filter") ?? ""
        let filter = try FilterCompiler.compile(filterText, parameters: try ctx.body.object("exprParams"), schema: c.schema)
        try checkConsistency(ctx)
        let selection = RowSelection(partitions: try ctx.body.stringArray("partitionNames") ?? [], filter: filter)
        let requested = try ctx.body.stringArray("outputFields") ?? ["*"]
        if requested.contains("count(*)") {
            guard requested.count == 1 else {
                throw .invalidParameter("count(*) cannot be combined with other output fields")
            }
            let n = try ctx.engine.count(database: database, collection: c.name, selection: selection)
            return Reply(data: [["count(*)": .int64Datum(n)]], extra: [("cost", 0)])
        }
        let offset = Int(try ctx.body.int("offset") ?? 0)
        var limit: Int? = Int(try ctx.body.int("limit") ?? 100)
        if let l = limit, l <= 0 {
            guard filter != nil else { throw .invalidParameter("empty expression should be used with limit") }
            limit = nil
        }
        guard offset >= 0 else { throw .invalidParameter("offset \(offset) should not be negative") }
        if let limit, offset + limit > maxQueryResultWindow {
            throw .invalidParameter("invalid max query result window, (offset+limit) should be in range [1, \(maxQueryResultWindow)], but got \(offset + limit)")
        }
        let output = try OutputFields(requested, schema: c.schema)
        let rows = try ctx.engine.query(database: database, collection: c.name, selection: selection, offset: offset, limit: limit,
                                        fields: Set(output.fields), dynamic: output.dynamicKeys != nil)
        let encoder = RowEncoder(schema: c.schema, fields: output.fields, dynamicKeys: output.dynamicKeys, options: ctx.options)
        return Reply(stream: EncodedRows(encoder: encoder, rows: .entities(rows)), extra: [("cost", 0)])
    }

    // MARK: Helpers

    private static func collection(_ ctx: RequestContext) throws(SwiftvecError) -> (String, CollectionInfo) {
        let name = try ctx.body.requiredString("collectionName")
        let database = try ctx.database()
        do {
            return (database, try ctx.engine.describeCollection(database: database, name: name))
        } catch where error.code == .collectionNotFound {
            throw SwiftvecError(.collectionNotFound, "can't find collection[database=\(database)][collection=\(name)]")
        }
    }

    private static func requiredData(_ ctx: RequestContext) throws(SwiftvecError) -> [JSONValue] {
        guard let data = try ctx.body.array("data") else { throw ctx.body.missing("data") }
        return data
    }

    private static func wireKey(_ key: PrimaryKey) -> JSONValue {
        switch key {
        case .int(let i): .int64Datum(i)
        case .string(let s): .string(s)
        }
    }

    private static func checkConsistency(_ ctx: RequestContext) throws(SwiftvecError) {
        if let level = try ctx.body.string("consistencyLevel"), !level.isEmpty, ConsistencyLevel(rawValue: level) == nil {
            throw .invalidParameter("consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized], default: Bounded, err:parameter:'\(level)' is incorrect, please check it")
        }
    }

    /// `id` of get/delete: one key or a list; Int64 keys as numbers or numeric strings.
    static func primaryKeys(_ value: JSONValue, schema: CollectionSchema) throws(SwiftvecError) -> [PrimaryKey] {
        let items = value.arrayValue ?? [value]
        let isInt = schema.primaryField?.dataType == .int64
        var keys: [PrimaryKey] = []
        for item in items {
            switch (isInt, item) {
            case (true, .int(let i)), (true, .int64Datum(let i)): keys.append(.int(i))
            case (true, .string(let s)) where Int64(s) != nil: keys.append(.int(Int64(s)!))
            case (false, .string(let s)): keys.append(.string(s))
            case (false, .int(let i)): keys.append(.string(String(i)))
            default:
                throw SwiftvecError(.invalidPrimaryKey, "please check the primary key and its' type can only in [int, string], error: \(RequestBody.stringify(item)) is not a valid \(isInt ? "Int64" : "VarChar") primary key")
            }
        }
        return keys
    }
}

/// `outputFields` resolved against the schema: `*` is every field and every dynamic key; the primary key
/// is always included; other names are fields or, with the dynamic field, dynamic keys.
struct OutputFields {
    var fields: [Int]
    /// nil: no dynamic keys; empty: all of them.
    var dynamicKeys: [String]?

    init(_ names: [String], schema: CollectionSchema) throws(SwiftvecError) {
        var fields: [Int] = []
        var dynamicKeys: [String]?
        func add(_ f: Int) { if !fields.contains(f) { fields.append(f) } }
        if let pk = schema.fields.firstIndex(where: \.isPrimaryKey) { add(pk) }
        for name in names {
            if name == "*" {
                schema.fields.indices.forEach(add)
                if schema.enableDynamicField { dynamicKeys = [] }
            } else if let f = schema.fields.firstIndex(where: { $0.name == name }) {
                add(f)
            } else if name == "$meta" && schema.enableDynamicField {
                dynamicKeys = []
            } else {
                guard name.first.map({ $0.isLetter || $0 == "_" }) == true,
                      name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw SwiftvecError.unexpected("parse output field name failed: \(name)")
                }
                guard schema.enableDynamicField else {
                    throw SwiftvecError(.invalidParameter, "field \(name) not exist: invalid parameter")
                }
                // A key asked for twice is written once, as a field asked for twice is.
                if dynamicKeys != [], dynamicKeys?.contains(name) != true { dynamicKeys = (dynamicKeys ?? []) + [name] }
            }
        }
        self.fields = fields
        self.dynamicKeys = dynamicKeys
    }
}
