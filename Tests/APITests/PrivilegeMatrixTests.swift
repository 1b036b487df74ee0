import JSON
import Testing

/// With `--auth`: for every route the server serves (as listed by its own openapi.json), a user holding
/// exactly the route's privilege succeeds, and a user holding every other privilege at the same scope gets
/// HTTP 403 with code 1401.
@Suite("privilege matrix")
struct PrivilegeMatrixTests {
    enum Level { case cluster, database, collection }

    /// One route: its privilege and level, the body (`{C}` = the case's collection, `{N}` = the case number),
    /// and root's calls that set the stage. `collectionScoped` false: the body names no collection, so the
    /// grant is on every collection.
    struct Case {
        let route: String
        let privilege: String
        let level: Level
        let body: String
        var setup: [(String, String)] = []
        var collectionScoped = true
    }

    static let allPrivileges = [
        "ListDatabases", "SelectOwnership", "SelectUser", "DescribeResourceGroup", "ListResourceGroups", "ListPrivilegeGroups",
        "FlushAll", "TransferNode", "TransferReplica", "UpdateResourceGroups", "BackupRBAC", "RestoreRBAC", "CreateDatabase",
        "DropDatabase", "CreateOwnership", "DropOwnership", "ManageOwnership", "CreateResourceGroup", "DropResourceGroup",
        "UpdateUser", "RenameCollection", "CreatePrivilegeGroup", "DropPrivilegeGroup", "OperatePrivilegeGroup",
        "ShowCollections", "DescribeDatabase", "AlterDatabase", "CreateCollection", "DropCollection",
        "Query", "Search", "IndexDetail", "GetFlushState", "GetLoadState", "GetLoadingProgress", "HasPartition", "ShowPartitions",
        "DescribeCollection", "DescribeAlias", "GetStatistics", "ListAliases", "Load", "Release", "Insert", "Delete", "Upsert",
        "Import", "Flush", "Compaction", "LoadBalance", "CreateIndex", "DropIndex", "CreatePartition", "DropPartition",
        "CreateAlias", "DropAlias",
    ]

    static let hnsw = #"[{"fieldName":"vector","indexName":"vector","metricType":"COSINE","indexType":"HNSW","params":{"M":8,"efConstruction":64}}]"#
    static let hybrid = #""search":[{"data":[[1,2]],"annsField":"vector","limit":2}],"rerank":{"strategy":"rrf","params":{"k":60}},"limit":2"#

    static let cases: [Case] = [
        Case(route: "databases/create", privilege: "CreateDatabase", level: .cluster, body: #"{"dbName":"db_{N}"}"#),
        Case(route: "databases/drop", privilege: "DropDatabase", level: .cluster, body: #"{"dbName":"dx_{N}"}"#,
             setup: [("databases/create", #"{"dbName":"dx_{N}"}"#)]),
        Case(route: "databases/list", privilege: "ListDatabases", level: .cluster, body: "{}"),
        Case(route: "databases/describe", privilege: "DescribeDatabase", level: .database, body: #"{"dbName":"default"}"#),
        Case(route: "databases/alter", privilege: "AlterDatabase", level: .database, body: #"{"dbName":"default","properties":{"k":"v"}}"#),
        Case(route: "databases/alter_properties", privilege: "AlterDatabase", level: .database, body: #"{"dbName":"default","properties":{"k":"w"}}"#),
        Case(route: "databases/drop_properties", privilege: "AlterDatabase", level: .database, body: #"{"dbName":"default","propertyKeys":["k"]}"#),

        Case(route: "collections/create", privilege: "CreateCollection", level: .database, body: #"{"collectionName":"new_{N}","dimension":2}"#),
        Case(route: "collections/describe", privilege: "DescribeCollection", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/list", privilege: "ShowCollections", level: .database, body: "{}"),
        Case(route: "collections/has", privilege: "DescribeCollection", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/drop", privilege: "DropCollection", level: .database, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/rename", privilege: "RenameCollection", level: .cluster, body: #"{"collectionName":"{C}","newCollectionName":"ren_{N}"}"#),
        Case(route: "collections/load", privilege: "Load", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/release", privilege: "Release", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/refresh_load", privilege: "Load", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/get_load_state", privilege: "GetLoadState", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/get_stats", privilege: "GetStatistics", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/alter_properties", privilege: "CreateCollection", level: .database,
             body: #"{"collectionName":"{C}","properties":{"collection.ttl.seconds":60}}"#),
        Case(route: "collections/drop_properties", privilege: "CreateCollection", level: .database,
             body: #"{"collectionName":"{C}","propertyKeys":["collection.ttl.seconds"]}"#),
        Case(route: "collections/flush", privilege: "Flush", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/compact", privilege: "Compaction", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "collections/get_compaction_state", privilege: "Compaction", level: .collection, body: #"{"jobID":1}"#,
             collectionScoped: false),

        Case(route: "partitions/list", privilege: "ShowPartitions", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "partitions/has", privilege: "HasPartition", level: .collection, body: #"{"collectionName":"{C}","partitionName":"_default"}"#),
        Case(route: "partitions/create", privilege: "CreatePartition", level: .collection, body: #"{"collectionName":"{C}","partitionName":"p"}"#),
        Case(route: "partitions/drop", privilege: "DropPartition", level: .collection, body: #"{"collectionName":"{C}","partitionName":"p"}"#,
             setup: [("partitions/create", #"{"collectionName":"{C}","partitionName":"p"}"#),
                     ("partitions/release", #"{"collectionName":"{C}","partitionNames":["p"]}"#)]),
        Case(route: "partitions/load", privilege: "Load", level: .collection, body: #"{"collectionName":"{C}","partitionNames":["_default"]}"#),
        Case(route: "partitions/release", privilege: "Release", level: .collection, body: #"{"collectionName":"{C}","partitionNames":["_default"]}"#),
        Case(route: "partitions/get_stats", privilege: "GetStatistics", level: .collection, body: #"{"collectionName":"{C}","partitionName":"_default"}"#),

        Case(route: "entities/insert", privilege: "Insert", level: .collection, body: #"{"collectionName":"{C}","data":[{"id":1,"vector":[1,2]}]}"#),
        Case(route: "entities/upsert", privilege: "Upsert", level: .collection, body: #"{"collectionName":"{C}","data":[{"id":1,"vector":[1,2]}]}"#),
        Case(route: "entities/delete", privilege: "Delete", level: .collection, body: #"{"collectionName":"{C}","filter":"id in [1]"}"#),
        Case(route: "entities/get", privilege: "Query", level: .collection, body: #"{"collectionName":"{C}","id":[1]}"#),
        Case(route: "entities/query", privilege: "Query", level: .collection, body: #"{"collectionName":"{C}","filter":"id >= 0"}"#),
        Case(route: "entities/search", privilege: "Search", level: .collection, body: #"{"collectionName":"{C}","data":[[1,2]]}"#),
        Case(route: "entities/hybrid_search", privilege: "Search", level: .collection, body: #"{"collectionName":"{C}",\#(hybrid)}"#),
        Case(route: "entities/advanced_search", privilege: "Search", level: .collection, body: #"{"collectionName":"{C}",\#(hybrid)}"#),

        Case(route: "indexes/create", privilege: "CreateIndex", level: .collection, body: #"{"collectionName":"{C}","indexParams":\#(hnsw)}"#,
             setup: [("collections/release", #"{"collectionName":"{C}"}"#), ("indexes/drop", #"{"collectionName":"{C}","indexName":"vector"}"#)]),
        Case(route: "indexes/describe", privilege: "IndexDetail", level: .collection, body: #"{"collectionName":"{C}","indexName":"vector"}"#),
        Case(route: "indexes/list", privilege: "IndexDetail", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "indexes/drop", privilege: "DropIndex", level: .collection, body: #"{"collectionName":"{C}","indexName":"vector"}"#,
             setup: [("collections/release", #"{"collectionName":"{C}"}"#)]),
        Case(route: "indexes/alter_properties", privilege: "CreateIndex", level: .collection,
             body: #"{"collectionName":"{C}","indexName":"vector","properties":{"mmap.enabled":true}}"#),
        Case(route: "indexes/drop_properties", privilege: "CreateIndex", level: .collection,
             body: #"{"collectionName":"{C}","indexName":"vector","propertyKeys":["mmap.enabled"]}"#),

        Case(route: "aliases/create", privilege: "CreateAlias", level: .collection, body: #"{"collectionName":"{C}","aliasName":"al_{N}"}"#),
        Case(route: "aliases/alter", privilege: "CreateAlias", level: .collection, body: #"{"collectionName":"{C}","aliasName":"al_{N}"}"#,
             setup: [("collections/create", #"{"collectionName":"o_{N}","dimension":2}"#),
                     ("aliases/create", #"{"collectionName":"o_{N}","aliasName":"al_{N}"}"#)]),
        Case(route: "aliases/describe", privilege: "DescribeAlias", level: .collection, body: #"{"aliasName":"al_{N}"}"#,
             setup: [("aliases/create", #"{"collectionName":"{C}","aliasName":"al_{N}"}"#)]),
        Case(route: "aliases/list", privilege: "ListAliases", level: .collection, body: #"{"collectionName":"{C}"}"#),
        Case(route: "aliases/drop", privilege: "DropAlias", level: .collection, body: #"{"aliasName":"al_{N}"}"#,
             setup: [("aliases/create", #"{"collectionName":"{C}","aliasName":"al_{N}"}"#)]),

        Case(route: "users/list", privilege: "SelectUser", level: .cluster, body: "{}"),
        Case(route: "users/describe", privilege: "SelectUser", level: .cluster, body: #"{"userName":"root"}"#),
        Case(route: "users/create", privilege: "CreateOwnership", level: .cluster, body: #"{"userName":"nu_{N}","password":"secret12"}"#),
        Case(route: "users/update_password", privilege: "UpdateUser", level: .cluster,
             body: #"{"userName":"tu_{N}","password":"secret12","newPassword":"secret34"}"#,
             setup: [("users/create", #"{"userName":"tu_{N}","password":"secret12"}"#)]),
        Case(route: "users/drop", privilege: "DropOwnership", level: .cluster, body: #"{"userName":"tu_{N}"}"#,
             setup: [("users/create", #"{"userName":"tu_{N}","password":"secret12"}"#)]),
        Case(route: "users/grant_role", privilege: "ManageOwnership", level: .cluster, body: #"{"userName":"tu_{N}","roleName":"tr_{N}"}"#,
             setup: [("users/create", #"{"userName":"tu_{N}","password":"secret12"}"#), ("roles/create", #"{"roleName":"tr_{N}"}"#)]),
        Case(route: "users/revoke_role", privilege: "ManageOwnership", level: .cluster, body: #"{"userName":"tu_{N}","roleName":"tr_{N}"}"#,
             setup: [("users/create", #"{"userName":"tu_{N}","password":"secret12"}"#), ("roles/create", #"{"roleName":"tr_{N}"}"#),
                     ("users/grant_role", #"{"userName":"tu_{N}","roleName":"tr_{N}"}"#)]),

        Case(route: "roles/list", privilege: "SelectOwnership", level: .cluster, body: "{}"),
        Case(route: "roles/describe", privilege: "SelectOwnership", level: .cluster, body: #"{"roleName":"public"}"#),
        Case(route: "roles/create", privilege: "CreateOwnership", level: .cluster, body: #"{"roleName":"nr_{N}"}"#),
        Case(route: "roles/drop", privilege: "DropOwnership", level: .cluster, body: #"{"roleName":"tr_{N}"}"#,
             setup: [("roles/create", #"{"roleName":"tr_{N}"}"#)]),
        Case(route: "roles/grant_privilege", privilege: "ManageOwnership", level: .cluster,
             body: #"{"roleName":"tr_{N}","objectType":"Collection","objectName":"*","privilege":"Search"}"#,
             setup: [("roles/create", #"{"roleName":"tr_{N}"}"#)]),
        Case(route: "roles/revoke_privilege", privilege: "ManageOwnership", level: .cluster,
             body: #"{"roleName":"tr_{N}","objectType":"Collection","objectName":"*","privilege":"Search"}"#,
             setup: [("roles/create", #"{"roleName":"tr_{N}"}"#),
                     ("roles/grant_privilege", #"{"roleName":"tr_{N}","objectType":"Collection","objectName":"*","privilege":"Search"}"#)]),
        Case(route: "roles/grant_privilege_v2", privilege: "ManageOwnership", level: .cluster,
             body: #"{"roleName":"tr_{N}","privilege":"Search","collectionName":"*"}"#,
             setup: [("roles/create", #"{"roleName":"tr_{N}"}"#)]),
        Case(route: "roles/revoke_privilege_v2", privilege: "ManageOwnership", level: .cluster,
             body: #"{"roleName":"tr_{N}","privilege":"Search","collectionName":"*"}"#,
             setup: [("roles/create", #"{"roleName":"tr_{N}"}"#),
                     ("roles/grant_privilege_v2", #"{"roleName":"tr_{N}","privilege":"Search","collectionName":"*"}"#)]),

        Case(route: "privilege_groups/create", privilege: "CreatePrivilegeGroup", level: .cluster, body: #"{"privilegeGroupName":"ng_{N}"}"#),
        Case(route: "privilege_groups/drop", privilege: "DropPrivilegeGroup", level: .cluster, body: #"{"privilegeGroupName":"tg_{N}"}"#,
             setup: [("privilege_groups/create", #"{"privilegeGroupName":"tg_{N}"}"#)]),
        Case(route: "privilege_groups/list", privilege: "ListPrivilegeGroups", level: .cluster, body: "{}"),
        Case(route: "privilege_groups/add_privileges_to_group", privilege: "OperatePrivilegeGroup", level: .cluster,
             body: #"{"privilegeGroupName":"tg_{N}","privileges":["Search"]}"#,
             setup: [("privilege_groups/create", #"{"privilegeGroupName":"tg_{N}"}"#)]),
        Case(route: "privilege_groups/remove_privileges_from_group", privilege: "OperatePrivilegeGroup", level: .cluster,
             body: #"{"privilegeGroupName":"tg_{N}","privileges":["Search"]}"#,
             setup: [("privilege_groups/create", #"{"privilegeGroupName":"tg_{N}"}"#),
                     ("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"tg_{N}","privileges":["Search"]}"#)]),
    ]

    @Test func everyRouteNeedsExactlyItsPrivilege() throws {
        let s = try ServerProcess(arguments: ["--auth"])
        let client = s.client()
        let root = [("Authorization", "Bearer root:Milvus")]
        func asRoot(_ route: String, _ body: String) throws {
            let r = try s.call(route, body, headers: root)
            guard r.code == 0 else { throw TestFailure("setup \(route) \(body): \(r)") }
        }

        // The table covers every POST route of the served contract, and nothing else.
        let spec = try client.request("GET", "/v2/vectordb/openapi.json").json()
        var served: Set<String> = []
        for entry in spec["paths"]?.objectValue?.entries ?? [] where entry.value["post"] != nil {
            served.insert(String(entry.key.dropFirst("/v2/vectordb/".count)))
        }
        #expect(!served.isEmpty)
        #expect(Set(Self.cases.map(\.route)) == served)

        // `public` starts with Milvus's default grants; take them away so that only each case's grant counts.
        for g in try s.call("roles/describe", #"{"roleName":"public"}"#, headers: root)["data"]?.arrayValue ?? [] {
            try asRoot("roles/revoke_privilege", #"{"roleName":"public","objectType":"\#(g["objectType"]?.stringValue ?? "")","objectName":"\#(g["objectName"]?.stringValue ?? "")","privilege":"\#(g["privilege"]?.stringValue ?? "")","dbName":"\#(g["dbName"]?.stringValue ?? "")"}"#)
        }

        for (n, c) in Self.cases.enumerated() {
            let collection = "c\(n)"
            func fill(_ text: String) -> String {
                text.split(separator: "{C}", omittingEmptySubsequences: false).joined(separator: collection)
                    .split(separator: "{N}", omittingEmptySubsequences: false).joined(separator: "\(n)")
            }
            try asRoot("collections/create", #"{"collectionName":"\#(collection)","dimension":2}"#)
            for (route, body) in c.setup { try asRoot(route, fill(body)) }

            let scope = switch c.level {
            case .cluster: #""dbName":"*","collectionName":"*""#
            case .database: #""dbName":"default","collectionName":"*""#
            case .collection: #""dbName":"default","collectionName":"\#(c.collectionScoped ? collection : "*")""#
            }
            // The allowed user holds exactly the privilege; the denied one every other privilege, through a group.
            try asRoot("users/create", #"{"userName":"yes\#(n)","password":"secret12"}"#)
            try asRoot("roles/create", #"{"roleName":"yes\#(n)"}"#)
            try asRoot("roles/grant_privilege_v2", #"{"roleName":"yes\#(n)","privilege":"\#(c.privilege)",\#(scope)}"#)
            try asRoot("users/grant_role", #"{"userName":"yes\#(n)","roleName":"yes\#(n)"}"#)
            try asRoot("users/create", #"{"userName":"no\#(n)","password":"secret12"}"#)
            try asRoot("roles/create", #"{"roleName":"no\#(n)"}"#)
            try asRoot("privilege_groups/create", #"{"privilegeGroupName":"others\#(n)"}"#)
            let others = Self.allPrivileges.filter { $0 != c.privilege }.map { "\"\($0)\"" }.joined(separator: ",")
            try asRoot("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"others\#(n)","privileges":[\#(others)]}"#)
            try asRoot("roles/grant_privilege_v2", #"{"roleName":"no\#(n)","privilege":"others\#(n)",\#(scope)}"#)
            try asRoot("users/grant_role", #"{"userName":"no\#(n)","roleName":"no\#(n)"}"#)

            let body = Array(fill(c.body).utf8)
            let denied = try client.request("POST", "/v2/vectordb/" + c.route, body: body,
                                            headers: [("Authorization", "Bearer no\(n):secret12")])
            #expect(denied.status == 403, "\(c.route) without \(c.privilege): HTTP \(denied.status) \(denied.text)")
            #expect(try denied.json().code == 1401, "\(c.route): \(denied.text)")

            let allowed = try client.request("POST", "/v2/vectordb/" + c.route, body: body,
                                             headers: [("Authorization", "Bearer yes\(n):secret12")])
            #expect(allowed.status == 200, "\(c.route) with \(c.privilege): HTTP \(allowed.status) \(allowed.text)")
            #expect(try allowed.json().code == 0, "\(c.route) with \(c.privilege): \(allowed.text)")
        }
    }
}
