import Engine
import JSON

/// `/v2/vectordb/users/*`.
enum UserRoutes {
    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        Reply(data: WireShapes.strings(ctx.engine.listUsers()))
    }

    static func describe(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        Reply(data: WireShapes.strings(try ctx.engine.describeUser(try ctx.body.requiredString("userName"))))
    }

    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("userName")
        try ctx.engine.createUser(name, password: try ctx.body.requiredString("password"))
        return .empty
    }

    /// The old password is checked, except when a superuser (with authentication on) changes another's.
    static func updatePassword(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("userName")
        let old = try ctx.body.requiredString("password")
        let new = try ctx.body.requiredString("newPassword")
        let superuserChange = ctx.caller.map { $0 != name && ctx.engine.isSuperuser($0) } ?? false
        try ctx.engine.updatePassword(name, old: old, new: new, checkOld: !superuserChange)
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.dropUser(try ctx.body.requiredString("userName"))
        return .empty
    }

    static func grantRole(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.grantRole(user: try ctx.body.requiredString("userName"), role: try ctx.body.requiredString("roleName"))
        return .empty
    }

    static func revokeRole(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.revokeRole(user: try ctx.body.requiredString("userName"), role: try ctx.body.requiredString("roleName"))
        return .empty
    }
}
