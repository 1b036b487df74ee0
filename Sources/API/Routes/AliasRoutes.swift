import Engine
import JSON

/// `/v2/vectordb/aliases/*`.
enum AliasRoutes {
    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        let alias = try ctx.body.requiredString("aliasName")
        try ctx.engine.createAlias(database: try ctx.database(), alias: alias, collection: collection)
        return .empty
    }

    static func alter(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        let alias = try ctx.body.requiredString("aliasName")
        try ctx.engine.alterAlias(database: try ctx.database(), alias: alias, collection: collection)
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.dropAlias(database: try ctx.database(), alias: try ctx.body.requiredString("aliasName"))
        return .empty
    }

    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let alias = try ctx.body.requiredString("aliasName")
        let database = try ctx.database()
        let collection = try ctx.engine.describeAlias(database: database, alias: alias)
        return Reply(data: ["dbName": .string(database), "collectionName": .string(collection), "aliasName": .string(alias)])
    }

    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.string("collectionName").flatMap { $0.isEmpty ? nil : $0 }
        return Reply(data: WireShapes.strings(try ctx.engine.listAliases(database: try ctx.database(), collection: collection)))
    }
}
