import JSON
import Testing

@Suite("aliases/* over HTTP")
struct AliasRouteTests {
    @Test func lifecycleAndUseAsACollectionName() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"books","dimension":2,"metricType":"L2"}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"films","dimension":2,"metricType":"L2"}"#).code == 0)
        #expect(try s.call("aliases/create", #"{"collectionName":"books","aliasName":"library"}"#).code == 0)
        // Re-creating the same alias for the same collection is a success, as in Milvus.
        #expect(try s.call("aliases/create", #"{"collectionName":"books","aliasName":"library"}"#).code == 0)
        #expect(try s.call("aliases/create", #"{"collectionName":"books","aliasName":"shelf"}"#).code == 0)
        #expect(try s.call("aliases/describe", #"{"aliasName":"library"}"#)["data"]
                == ["dbName": "default", "collectionName": "books", "aliasName": "library"])
        #expect(try s.call("aliases/list", "{}")["data"] == ["library", "shelf"])
        #expect(try s.call("aliases/list", #"{"collectionName":"films"}"#)["data"] == [])
        #expect(try s.call("aliases/list", #"{"collectionName":"books"}"#)["data"] == ["library", "shelf"])
        #expect(try s.call("collections/describe", #"{"collectionName":"books"}"#)["data"]?["aliases"] == ["library", "shelf"])

        // The alias works wherever a collection name does: writes, reads, search, describe, has, load state.
        #expect(try s.call("entities/insert", #"{"collectionName":"library","data":[{"id":1,"vector":[0,0]},{"id":2,"vector":[5,5]}]}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"books","filter":"id > 0","outputFields":["id"]}"#)["data"]
                == [["id": 1], ["id": 2]])
        let found = try s.call("entities/search", #"{"collectionName":"shelf","data":[[4,4]],"limit":1,"outputFields":["id"]}"#)
        #expect(found["data"]?[0]?["id"] == 2)
        #expect(try s.call("collections/describe", #"{"collectionName":"library"}"#)["data"]?["collectionName"] == "books")
        #expect(try s.call("collections/has", #"{"collectionName":"library"}"#)["data"]?["has"] == true)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"library"}"#)["data"]?["loadState"] == "LoadStateLoaded")

        // alter re-points the alias: the same name now reads the other collection.
        #expect(try s.call("aliases/alter", #"{"collectionName":"films","aliasName":"library"}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"library","filter":"id > 0"}"#)["data"] == [])
        #expect(try s.call("aliases/list", #"{"collectionName":"films"}"#)["data"] == ["library"])

        // Aliases are persistent.
        try s.restart()
        #expect(try s.call("aliases/describe", #"{"aliasName":"library"}"#)["data"]?["collectionName"] == "films")
        #expect(try s.call("aliases/describe", #"{"aliasName":"shelf"}"#)["data"]?["collectionName"] == "books")

        #expect(try s.call("aliases/drop", #"{"aliasName":"library"}"#).code == 0)
        #expect(try s.call("aliases/list", "{}")["data"] == ["shelf"])
        #expect(try s.call("entities/query", #"{"collectionName":"library","filter":"id > 0"}"#).code == 100)
    }

    @Test func conflictsAndErrors() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"a","dimension":2}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"b","dimension":2}"#).code == 0)
        #expect(try s.call("aliases/create", #"{"collectionName":"a","aliasName":"x"}"#).code == 0)

        // 1601: an alias cannot take a collection's name, and cannot point at another alias.
        #expect(try s.call("aliases/create", #"{"collectionName":"a","aliasName":"b"}"#).code == 1601)
        #expect(try s.call("aliases/create", #"{"collectionName":"x","aliasName":"y"}"#).code == 1601)
        // 1602: the alias already points at another collection.
        let taken = try s.call("aliases/create", #"{"collectionName":"b","aliasName":"x"}"#)
        #expect(taken.code == 1602)
        #expect(taken.message.contains("alias already exist[database=default][alias=x]"))
        // 1600: unknown alias.
        #expect(try s.call("aliases/describe", #"{"aliasName":"nope"}"#).code == 1600)
        #expect(try s.call("aliases/drop", #"{"aliasName":"nope"}"#).code == 1600)
        #expect(try s.call("aliases/alter", #"{"collectionName":"a","aliasName":"nope"}"#).code == 1600)
        // Unknown collection, missing keys, bad names, unknown database.
        #expect(try s.call("aliases/create", #"{"collectionName":"zzz","aliasName":"z"}"#).code == 100)
        #expect(try s.call("aliases/create", #"{"collectionName":"a"}"#).code == 1802)
        #expect(try s.call("aliases/describe", "{}").code == 1802)
        #expect(try s.call("aliases/create", #"{"collectionName":"a","aliasName":"1bad"}"#).code == 1100)
        #expect(try s.call("aliases/list", #"{"dbName":"nodb"}"#).code == 800)
        #expect(try s.call("aliases/describe", #"{"aliasName":"x"}"#)["data"]?["collectionName"] == "a")

        // A collection with aliases cannot be dropped, nor dropped or renamed through an alias, and a new
        // collection cannot take an alias's name; none of these change anything.
        #expect(try s.call("collections/drop", #"{"collectionName":"a"}"#).code == 65535)
        #expect(try s.call("collections/drop", #"{"collectionName":"x"}"#).code == 65535)
        #expect(try s.call("collections/rename", #"{"collectionName":"x","newCollectionName":"c"}"#).code == 65535)
        #expect(try s.call("collections/rename", #"{"collectionName":"b","newCollectionName":"x"}"#).code == 65535)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":2}"#).code == 65535)
        #expect(try s.call("collections/list", "{}")["data"] == ["a", "b"])
        #expect(try s.call("aliases/list", "{}")["data"] == ["x"])

        // Aliases belong to a database.
        #expect(try s.call("databases/create", #"{"dbName":"other"}"#).code == 0)
        #expect(try s.call("aliases/describe", #"{"dbName":"other","aliasName":"x"}"#).code == 1600)

        #expect(try s.call("aliases/drop", #"{"aliasName":"x"}"#).code == 0)
        #expect(try s.call("collections/drop", #"{"collectionName":"a"}"#).code == 0)
    }
}
