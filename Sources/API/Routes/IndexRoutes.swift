import Engine
import JSON

/// `/v2/vectordb/indexes/*`.
enum IndexRoutes {
    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        guard let values = try ctx.body.array("indexParams") else { throw ctx.body.missing("indexParams") }
        var requests: [IndexRequest] = []
        for (i, v) in values.enumerated() {
            requests.append(try CreateCollectionRequest.indexRequest(v, body: ctx.body, path: "indexParams[\(i)]"))
        }
        try ctx.engine.createIndexes(database: try ctx.database(), collection: collection, requests: requests)
        return .empty
    }

    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        return Reply(data: WireShapes.strings(try ctx.engine.listIndexes(database: try ctx.database(), collection: collection)))
    }

    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, index) = try names(ctx)
        let status = try ctx.engine.describeIndex(database: try ctx.database(), collection: collection, index: index)
        let d = status.definition
        var params = [Property("index_type", d.indexType)]
        if let metric = d.metricType { params.append(Property("metric_type", metric)) }
        params += d.params
        var o = JSONObject()
        o.append("indexName", .string(d.name))
        o.append("fieldName", .string(d.fieldName))
        o.append("indexType", .string(d.indexType))
        o.append("metricType", .string(d.metricType ?? ""))
        o.append("params", WireShapes.properties(params))
        o.append("mmap.enabled", .string(d.properties.value(of: "mmap.enabled") ?? ""))
        o.append("indexoffsetcache.enabled", .string(d.properties.value(of: "indexoffsetcache.enabled") ?? ""))
        o.append("indexState", .string(status.state))
        o.append("totalRows", .int64Datum(status.totalRows))
        o.append("indexedRows", .int64Datum(status.indexedRows))
        o.append("pendingRows", .int64Datum(status.pendingRows))
        o.append("failReason", .string(status.failReason))
        if !d.properties.isEmpty { o.append("properties", WireShapes.properties(d.properties)) }
        return Reply(data: .array([.object(o)]))
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, index) = try names(ctx)
        try ctx.engine.dropIndex(database: try ctx.database(), collection: collection, index: index)
        return .empty
    }

    static func alterProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, index) = try names(ctx)
        let properties = try ctx.body.object("properties").map(RequestBody.properties) ?? []
        try ctx.engine.alterIndexProperties(database: try ctx.database(), collection: collection, index: index, set: properties)
        return .empty
    }

    static func dropProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, index) = try names(ctx)
        let keys = try ctx.body.stringArray("propertyKeys") ?? []
        try ctx.engine.dropIndexProperties(database: try ctx.database(), collection: collection, index: index, keys: keys)
        return .empty
    }

    private static func names(_ ctx: RequestContext) throws(SwiftvecError) -> (String, String) {
        (try ctx.body.requiredString("collectionName"), try ctx.body.requiredString("indexName"))
    }
}
