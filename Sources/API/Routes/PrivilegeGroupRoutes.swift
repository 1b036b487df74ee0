import Engine
import JSON

/// `/v2/vectordb/privilege_groups/*`.
enum PrivilegeGroupRoutes {
    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.createPrivilegeGroup(try ctx.body.requiredString("privilegeGroupName"))
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.dropPrivilegeGroup(try ctx.body.requiredString("privilegeGroupName"))
        return .empty
    }

    /// As Milvus: `{"privilegeGroups":[{"privilegeGroupName":..., "privileges":"A,B"}]}`.
    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let groups: [JSONValue] = ctx.engine.listPrivilegeGroups().map { g in
            ["privilegeGroupName": .string(g.name), "privileges": .string(g.privileges.joined(separator: ","))]
        }
        return Reply(data: ["privilegeGroups": .array(groups)])
    }

    static func addPrivileges(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.changePrivilegeGroup(try ctx.body.requiredString("privilegeGroupName"),
                                            privileges: try ctx.body.requiredStringArray("privileges"), add: true)
        return .empty
    }

    static func removePrivileges(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        try ctx.engine.changePrivilegeGroup(try ctx.body.requiredString("privilegeGroupName"),
                                            privileges: try ctx.body.requiredStringArray("privileges"), add: false)
        return .empty
    }
}
