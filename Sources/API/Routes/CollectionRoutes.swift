import Engine
import JSON

/// `/v2/vectordb/collections/*`.
enum CollectionRoutes {
    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        Reply(data: WireShapes.strings(try ctx.engine.listCollections(database: try ctx.database())))
    }

    static func has(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        return Reply(data: ["has": .bool(try ctx.engine.hasCollection(database: try ctx.database(), name: name))])
    }

    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let c = try ctx.engine.describeCollection(database: try ctx.database(), name: name)
        var o = JSONObject()
        o.append("collectionName", .string(c.name))
        o.append("collectionID", .int(c.id))
        o.append("description", .string(c.schema.description))
        o.append("autoId", .bool(c.schema.primaryField?.autoID ?? false))
        o.append("fields", .array(c.schema.fields.map(WireShapes.field)))
        o.append("functions", .array([]))
        o.append("aliases", WireShapes.strings(ctx.engine.aliases(of: c)))
        // Milvus lists only the first vector field's index here; Swiftvec lists every vector index.
        let vectorFields = Set(c.schema.vectorFields.map(\.name))
        o.append("indexes", .array(c.indexes.filter { vectorFields.contains($0.fieldName) }.map { i in
            ["fieldName": .string(i.fieldName), "indexName": .string(i.name), "metricType": .string(i.metricType ?? "")]
        }))
        o.append("load", .string(ctx.engine.loadStatus(c).0.rawValue))
        o.append("shardsNum", .int(Int64(c.shardsNum)))
        o.append("partitionsNum", .int(Int64(c.partitions.count)))
        o.append("consistencyLevel", .string(c.consistencyLevel.rawValue))
        o.append("enableDynamicField", .bool(c.schema.enableDynamicField))
        o.append("properties", WireShapes.properties(c.properties))
        // As in Milvus, code stays 0 and `message` notes a missing vector index.
        let unindexed = c.schema.vectorFields.contains { c.index(onField: $0.name) == nil }
        return Reply(data: .object(o), extra: [("message", .string(unindexed ? "index not found[collection=\(c.name)];" : ""))])
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        try ctx.engine.dropCollection(database: try ctx.database(), name: name)
        return .empty
    }

    static func rename(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let newName = try ctx.body.requiredString("newCollectionName")
        let database = try ctx.database()
        let newDatabase = try ctx.body.string("newDbName").flatMap { $0.isEmpty ? nil : $0 } ?? database
        try ctx.engine.renameCollection(database: database, name: name, newDatabase: newDatabase, newName: newName)
        return .empty
    }

    static func load(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        try ctx.engine.loadCollection(database: try ctx.database(), name: name)
        return .empty
    }

    static func refreshLoad(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        try ctx.engine.refreshLoad(database: try ctx.database(), name: name)
        return .empty
    }

    static func release(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        try ctx.engine.releaseCollection(database: try ctx.database(), name: name)
        return .empty
    }

    static func loadState(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let partitions = try ctx.body.stringArray("partitionNames") ?? []
        let (state, progress) = try ctx.engine.loadState(database: try ctx.database(), name: name, partitions: partitions)
        guard state != .notLoad else { return Reply(data: ["loadState": .string(state.rawValue)]) }
        return Reply(data: ["loadProgress": .int(Int64(progress)), "loadState": .string(state.rawValue)], extra: [("message", "")])
    }

    static func stats(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        return Reply(data: ["rowCount": .int(try ctx.engine.rowCount(database: try ctx.database(), name: name))])
    }

    static func alterProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let properties = try ctx.body.object("properties").map(RequestBody.properties) ?? []
        try ctx.engine.alterCollectionProperties(database: try ctx.database(), name: name, set: properties)
        return .empty
    }

    /// Seals the growing rows so that their index is built (asynchronously; `indexes/describe` shows progress).
    static func flush(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        try ctx.engine.flush(database: try ctx.database(), collection: name)
        return .empty
    }

    /// Rewrites the collection without its deleted rows and rebuilds its indexes.
    static func compact(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        _ = try ctx.body.bool("isClustering")
        let id = try ctx.engine.compact(database: try ctx.database(), collection: name)
        return Reply(data: ["compactionID": .int(id)])
    }

    static func compactionState(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        guard let id = try ctx.body.int("jobID", range: Int64.min...Int64.max) else { throw ctx.body.missing("jobID") }
        guard let state = try ctx.engine.compactionState(id) else {
            return Reply(data: ["compactionID": .int(id), "state": "UndefiedState", "executingPlanNumber": 0,
                                "timeoutPlanNumber": 0, "completedPlanNumber": 0])
        }
        return Reply(data: ["compactionID": .int(id), "state": .string(state.executing > 0 ? "Executing" : "Completed"),
                            "executingPlanNumber": .int(Int64(state.executing)), "timeoutPlanNumber": 0,
                            "completedPlanNumber": .int(Int64(state.completed))])
    }

    static func dropProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let keys = try ctx.body.stringArray("propertyKeys") ?? []
        try ctx.engine.dropCollectionProperties(database: try ctx.database(), name: name, keys: keys)
        return .empty
    }

    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let request = try CreateCollectionRequest(ctx.body)
        try ctx.engine.createCollection(database: try ctx.database(), definition: request.definition,
                                        indexes: request.indexes, load: !request.indexes.isEmpty)
        return .empty
    }
}
