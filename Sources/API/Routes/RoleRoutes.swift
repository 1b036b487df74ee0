import Engine
import JSON

/// `/v2/vectordb/roles/*`.
enum RoleRoutes {
    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        Reply(data: WireShapes.strings(ctx.engine.listRoles()))
    }

    /// Every grant of the role, or only those of `dbName` when the body names one.
    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("roleName")
        let database = try ctx.body.string("dbName").flatMap { $0.isEmpty ? nil : $0 }
        let grants = try ctx.engine.describeRole(name, database: database)
        return Reply(data: .array(grants.map { g in
            ["objectType": .string(g.objectType), "objectName": .string(g.objectName), "privilege": .string(g.privilege),
             "dbName": .string(g.dbName), "grantor": .string(g.grantor)]
        }))
    }

    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.createRole(try ctx.body.requiredString("roleName"))
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.dropRole(try ctx.body.requiredString("roleName"))
        return .empty
    }

    static func grantPrivilege(_ ctx: RequestContext) throws(SwiftvecError) -> Reply { try changePrivilege(ctx, grant: true) }
    static func revokePrivilege(_ ctx: RequestContext) throws(SwiftvecError) -> Reply { try changePrivilege(ctx, grant: false) }
    static func grantPrivilegeV2(_ ctx: RequestContext) throws(SwiftvecError) -> Reply { try changePrivilegeV2(ctx, grant: true) }
    static func revokePrivilegeV2(_ ctx: RequestContext) throws(SwiftvecError) -> Reply { try changePrivilegeV2(ctx, grant: false) }

    private static func changePrivilege(_ ctx: RequestContext, grant: Bool) throws(SwiftvecError) -> Reply {
        try ctx.engine.changePrivilege(
            role: try ctx.body.requiredString("roleName"), objectType: try ctx.body.requiredString("objectType"),
            objectName: try ctx.body.requiredString("objectName"), database: try ctx.database(),
            privilege: try ctx.body.requiredString("privilege"), grantor: ctx.caller ?? UserInfo.rootName, grant: grant)
        return .empty
    }

    /// `dbName` defaults to the request's database, `collectionName` to `*`.
    private static func changePrivilegeV2(_ ctx: RequestContext, grant: Bool) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.string("collectionName").flatMap { $0.isEmpty ? nil : $0 } ?? "*"
        try ctx.engine.changePrivilegeV2(
            role: try ctx.body.requiredString("roleName"), privilege: try ctx.body.requiredString("privilege"),
            database: try ctx.database(), collection: collection, grantor: ctx.caller ?? UserInfo.rootName, grant: grant)
        return .empty
    }
}
