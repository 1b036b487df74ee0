import Engine
import JSON

/// `/v2/vectordb/databases/*`.
enum DatabaseRoutes {
    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("dbName")
        let properties = try ctx.body.object("properties").map(RequestBody.properties) ?? []
        try ctx.engine.createDatabase(name, properties: properties)
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.dropDatabase(try ctx.body.requiredString("dbName"))
        return .empty
    }

    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        Reply(data: .array(ctx.engine.listDatabases().map { .string($0) }))
    }

    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let db = try ctx.engine.describeDatabase(try ctx.body.requiredString("dbName"))
        return Reply(data: ["dbName": .string(db.name), "dbID": .int(db.id), "properties": WireShapes.properties(db.properties)])
    }

    static func alterProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("dbName")
        let properties = try ctx.body.object("properties").map(RequestBody.properties) ?? []
        try ctx.engine.alterDatabaseProperties(name, set: properties)
        return .empty
    }

    static func dropProperties(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("dbName")
        try ctx.engine.dropDatabaseProperties(name, keys: try ctx.body.stringArray("propertyKeys") ?? [])
        return .empty
    }
}
