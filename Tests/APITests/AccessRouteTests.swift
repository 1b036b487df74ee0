import JSON
import Testing

/// Users, roles and privilege groups (auth off: the routes work and store data, as in Milvus), and
/// authentication with `--auth`.
@Suite("users/*, roles/*, privilege_groups/* and authentication")
struct AccessRouteTests {
    @Test func usersRolesAndGroupsAreStoredAndPersistent() throws {
        let s = try ServerProcess()
        #expect(try s.call("users/list", "{}")["data"] == ["root"])
        #expect(try s.call("roles/list", "{}")["data"] == ["admin", "public"])
        #expect(try s.call("users/create", #"{"userName":"alice","password":"wonderland"}"#).code == 0)
        #expect(try s.call("roles/create", #"{"roleName":"reader"}"#).code == 0)
        #expect(try s.call("users/grant_role", #"{"userName":"alice","roleName":"reader"}"#).code == 0)
        #expect(try s.call("users/grant_role", #"{"userName":"alice","roleName":"reader"}"#).code == 0)
        #expect(try s.call("users/describe", #"{"userName":"alice"}"#)["data"] == ["reader"])
        #expect(try s.call("users/list", "{}")["data"] == ["root", "alice"])
        #expect(try s.call("roles/list", "{}")["data"] == ["admin", "public", "reader"])

        #expect(try s.call("roles/grant_privilege", #"{"roleName":"reader","objectType":"Collection","objectName":"books","privilege":"Search"}"#).code == 0)
        #expect(try s.call("roles/grant_privilege_v2", #"{"roleName":"reader","privilege":"CollectionReadOnly","dbName":"*","collectionName":"*"}"#).code == 0)
        #expect(try s.call("privilege_groups/create", #"{"privilegeGroupName":"writers"}"#).code == 0)
        #expect(try s.call("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"writers","privileges":["Insert","Upsert","Delete"]}"#).code == 0)
        #expect(try s.call("privilege_groups/remove_privileges_from_group", #"{"privilegeGroupName":"writers","privileges":["Delete"]}"#).code == 0)
        #expect(try s.call("roles/grant_privilege_v2", #"{"roleName":"reader","privilege":"writers","collectionName":"books"}"#).code == 0)

        let expectedGrants: JSONValue = [
            ["objectType": "Collection", "objectName": "books", "privilege": "Search", "dbName": "default", "grantor": "root"],
            ["objectType": "Collection", "objectName": "*", "privilege": "CollectionReadOnly", "dbName": "*", "grantor": "root"],
            ["objectType": "Collection", "objectName": "books", "privilege": "writers", "dbName": "default", "grantor": "root"],
        ]
        #expect(try s.call("roles/describe", #"{"roleName":"reader"}"#)["data"] == expectedGrants)
        let groups = try s.call("privilege_groups/list", "{}")["data"]?["privilegeGroups"]?.arrayValue ?? []
        #expect(groups.last == ["privilegeGroupName": "writers", "privileges": "Insert,Upsert"])
        #expect(groups.contains(["privilegeGroupName": "CollectionAdmin", "privileges": .string(
            "Query,Search,IndexDetail,GetFlushState,GetLoadState,GetLoadingProgress,HasPartition,ShowPartitions,DescribeCollection,DescribeAlias,GetStatistics,ListAliases,Load,Release,Insert,Delete,Upsert,Import,Flush,Compaction,LoadBalance,CreateIndex,DropIndex,CreatePartition,DropPartition,CreateAlias,DropAlias")]))

        // Everything survives a restart, and the stored password is the one that works.
        try s.restart()
        #expect(try s.call("users/describe", #"{"userName":"alice"}"#)["data"] == ["reader"])
        #expect(try s.call("roles/describe", #"{"roleName":"reader"}"#)["data"] == expectedGrants)
        #expect((try s.call("privilege_groups/list", "{}")["data"]?["privilegeGroups"]?.arrayValue ?? []).last
                == ["privilegeGroupName": "writers", "privileges": "Insert,Upsert"])

        // Revokes, then drops in the order Milvus asks for.
        #expect(try s.call("privilege_groups/drop", #"{"privilegeGroupName":"writers"}"#).code == 65535)  // still granted
        #expect(try s.call("roles/drop", #"{"roleName":"reader"}"#).code == 65535)  // still holds privileges
        #expect(try s.call("roles/revoke_privilege", #"{"roleName":"reader","objectType":"Collection","objectName":"books","privilege":"Search"}"#).code == 0)
        #expect(try s.call("roles/revoke_privilege_v2", #"{"roleName":"reader","privilege":"CollectionReadOnly","dbName":"*","collectionName":"*"}"#).code == 0)
        #expect(try s.call("roles/revoke_privilege_v2", #"{"roleName":"reader","privilege":"writers","collectionName":"books"}"#).code == 0)
        #expect(try s.call("roles/describe", #"{"roleName":"reader"}"#)["data"] == [])
        #expect(try s.call("privilege_groups/drop", #"{"privilegeGroupName":"writers"}"#).code == 0)
        #expect(try s.call("users/revoke_role", #"{"userName":"alice","roleName":"reader"}"#).code == 0)
        #expect(try s.call("users/describe", #"{"userName":"alice"}"#)["data"] == [])
        #expect(try s.call("roles/drop", #"{"roleName":"reader"}"#).code == 0)
        #expect(try s.call("users/drop", #"{"userName":"alice"}"#).code == 0)
        #expect(try s.call("users/list", "{}")["data"] == ["root"])
        #expect(try s.call("roles/list", "{}")["data"] == ["admin", "public"])
    }

    @Test func badInputIsRejectedAndChangesNothing() throws {
        let s = try ServerProcess()
        let short = try s.call("users/create", #"{"userName":"bob","password":"a"}"#)
        #expect(short.code == 1100)
        #expect(short.message == "invalid password length: invalid parameter[1 out of range 6 <= value <= 72]")
        #expect(try s.call("users/create", #"{"userName":"bob","password":"\#(String(repeating: "p", count: 73))"}"#).code == 1100)
        #expect(try s.call("users/create", #"{"userName":"1bob","password":"secret1"}"#).code == 1100)
        #expect(try s.call("users/create", #"{"userName":"bob"}"#).code == 1802)
        #expect(try s.call("users/list", "{}")["data"] == ["root"])
        #expect(try s.call("users/create", #"{"userName":"bob","password":"secret1"}"#).code == 0)
        #expect(try s.call("users/create", #"{"userName":"bob","password":"secret2"}"#).code == 65535)
        #expect(try s.call("users/drop", #"{"userName":"root"}"#).code == 1100)
        #expect(try s.call("users/describe", #"{"userName":"nobody"}"#).code == 65535)
        #expect(try s.call("users/grant_role", #"{"userName":"bob","roleName":"nope"}"#).code == 65535)
        #expect(try s.call("users/grant_role", #"{"userName":"nobody","roleName":"public"}"#).code == 65535)
        // A wrong old password changes nothing.
        #expect(try s.call("users/update_password", #"{"userName":"bob","password":"wrong11","newPassword":"secret3"}"#).code == 1400)
        #expect(try s.call("users/update_password", #"{"userName":"bob","password":"secret1","newPassword":"x"}"#).code == 1100)

        #expect(try s.call("roles/create", #"{"roleName":"admin"}"#).code == 65535)
        #expect(try s.call("roles/drop", #"{"roleName":"public"}"#).code == 1100)
        #expect(try s.call("roles/drop", #"{"roleName":"nope"}"#).code == 65535)
        #expect(try s.call("roles/create", #"{"roleName":"r"}"#).code == 0)
        #expect(try s.call("roles/grant_privilege", #"{"roleName":"r","objectType":"Table","objectName":"*","privilege":"Search"}"#).code == 1100)
        #expect(try s.call("roles/grant_privilege", #"{"roleName":"r","objectType":"Global","objectName":"*","privilege":"Search"}"#).code == 1100)
        #expect(try s.call("roles/grant_privilege", #"{"roleName":"r","objectType":"Collection","objectName":"*","privilege":"Fly"}"#).code == 1100)
        #expect(try s.call("roles/grant_privilege", #"{"roleName":"r","objectType":"Collection","objectName":"*"}"#).code == 1802)
        #expect(try s.call("roles/grant_privilege_v2", #"{"roleName":"r","privilege":"CreateDatabase","dbName":"default"}"#).code == 1100)
        #expect(try s.call("roles/grant_privilege_v2", #"{"roleName":"r","privilege":"CreateCollection","collectionName":"c"}"#).code == 1100)
        #expect(try s.call("roles/grant_privilege_v2", #"{"roleName":"nope","privilege":"Search"}"#).code == 65535)
        #expect(try s.call("roles/describe", #"{"roleName":"r"}"#)["data"] == [])

        #expect(try s.call("privilege_groups/create", #"{"privilegeGroupName":"ClusterAdmin"}"#).code == 1100)
        #expect(try s.call("privilege_groups/create", #"{"privilegeGroupName":"g"}"#).code == 0)
        #expect(try s.call("privilege_groups/create", #"{"privilegeGroupName":"g"}"#).code == 65535)
        #expect(try s.call("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"g","privileges":["Search","Teleport"]}"#).code == 1100)
        #expect(try s.call("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"g","privileges":"Search"}"#).code == 1801)
        #expect(try s.call("privilege_groups/add_privileges_to_group", #"{"privilegeGroupName":"nope","privileges":["Search"]}"#).code == 65535)
        let groups = try s.call("privilege_groups/list", "{}")["data"]?["privilegeGroups"]?.arrayValue ?? []
        #expect(groups.last == ["privilegeGroupName": "g", "privileges": ""])
    }

    @Test func authenticationIsRequiredWhenSwitchedOn() throws {
        let s = try ServerProcess(arguments: ["--auth"])
        let client = s.client()
        let root = [("Authorization", "Bearer root:Milvus")]

        // No credential, a wrong one, a malformed one: HTTP 401, code 1800, nothing done.
        for headers in [[], [("Authorization", "Bearer root:wrong")], [("Authorization", "Bearer root")],
                        [("Authorization", "Bearer :Milvus")], [("Authorization", "Token root:Milvus")]] {
            let r = try client.request("POST", "/v2/vectordb/collections/create", body: Array(#"{"collectionName":"c","dimension":2}"#.utf8), headers: headers)
            #expect(r.status == 401)
            #expect(try r.json() == ["code": 1800, "message": "user hasn't authenticated"])
        }
        let basicWrong = try client.request("POST", "/v2/vectordb/collections/list", body: Array("{}".utf8),
                                            headers: [("Authorization", "Basic cm9vdDp3cm9uZw==")])
        #expect(basicWrong.status == 401)
        #expect(basicWrong.header("WWW-Authenticate") == #"Basic realm="restricted", charset="UTF-8""#)
        #expect(try s.call("collections/list", "{}", headers: root)["data"] == [])
        // Basic root:Milvus.
        #expect(try s.call("collections/list", "{}", headers: [("Authorization", "Basic cm9vdDpNaWx2dXM=")]).code == 0)
        // The contract and the health check need no credential.
        #expect(try client.request("GET", "/v2/vectordb/openapi.yaml").status == 200)
        #expect(try client.request("GET", "/healthz").status == 200)

        // A password change takes effect at once: the cached old credential no longer works.
        #expect(try s.call("users/create", #"{"userName":"bob","password":"secret1"}"#, headers: root).code == 0)
        let bob1 = [("Authorization", "Bearer bob:secret1")]
        #expect(try s.call("users/describe", #"{"userName":"bob"}"#, headers: bob1)["data"] == [])  // own record
        #expect(try s.call("users/update_password", #"{"userName":"bob","password":"secret1","newPassword":"secret2"}"#, headers: bob1).code == 0)
        #expect(try client.request("POST", "/v2/vectordb/users/describe", body: Array(#"{"userName":"bob"}"#.utf8), headers: bob1).status == 401)
        let bob2 = [("Authorization", "Bearer bob:secret2")]
        #expect(try s.call("users/describe", #"{"userName":"bob"}"#, headers: bob2).code == 0)
        // Root changes it without the old one; a dropped user is locked out at once.
        #expect(try s.call("users/update_password", #"{"userName":"bob","password":"-","newPassword":"secret3"}"#, headers: root).code == 0)
        #expect(try client.request("POST", "/v2/vectordb/users/describe", body: Array(#"{"userName":"bob"}"#.utf8), headers: bob2).status == 401)
        let bob3 = [("Authorization", "Bearer bob:secret3")]
        #expect(try s.call("users/describe", #"{"userName":"bob"}"#, headers: bob3).code == 0)
        // Without a privilege: 403, code 1401.
        let denied = try client.request("POST", "/v2/vectordb/users/list", body: Array("{}".utf8), headers: bob3)
        #expect(denied.status == 403)
        #expect(try denied.json().code == 1401)
        #expect(try s.call("users/drop", #"{"userName":"bob"}"#, headers: root).code == 0)
        #expect(try client.request("POST", "/v2/vectordb/users/describe", body: Array(#"{"userName":"bob"}"#.utf8), headers: bob3).status == 401)

        // root's own password change persists across a restart; SWIFTVEC_AUTH switches auth on too.
        #expect(try s.call("users/update_password", #"{"userName":"root","password":"Milvus","newPassword":"N3wRootPw"}"#, headers: root).code == 0)
        _ = s.stop()
        let restarted = try ServerProcess(dataDir: s.dataDir, environment: ["SWIFTVEC_AUTH": "true"])
        #expect(try restarted.client().request("POST", "/v2/vectordb/collections/list", body: Array("{}".utf8), headers: root).status == 401)
        #expect(try restarted.call("collections/list", "{}", headers: [("Authorization", "Bearer root:N3wRootPw")]).code == 0)
    }

    @Test func withoutAuthNoCredentialIsNeeded() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/list", "{}").code == 0)
        // A wrong credential is ignored when authentication is off, as in Milvus.
        #expect(try s.call("collections/list", "{}", headers: [("Authorization", "Bearer root:wrong")]).code == 0)
        #expect(try s.call("users/list", "{}").code == 0)
    }
}
