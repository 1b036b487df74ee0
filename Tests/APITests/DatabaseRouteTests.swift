import JSON
import Testing

@Suite("databases/* over HTTP")
struct DatabaseRouteTests {
    @Test func lifecycle() throws {
        let s = try ServerProcess()
        #expect(try s.call("databases/list", "{}")["data"] == ["default"])
        #expect(try s.call("databases/create", #"{"dbName":"analytics","properties":{"database.max.collections":10,"database.force.deny.writing":false}}"#).code == 0)
        #expect(try s.call("databases/list", "{}")["data"] == ["default", "analytics"])

        let described = try s.call("databases/describe", #"{"dbName":"analytics"}"#)
        #expect(described["data"]?["dbName"] == "analytics")
        #expect((described["data"]?["dbID"]?.intValue ?? 0) > 1)
        #expect(described["data"]?["properties"] == [["key": "database.max.collections", "value": "10"],
                                                      ["key": "database.force.deny.writing", "value": "false"]])
        #expect(try s.call("databases/describe", #"{"dbName":"default"}"#)["data"]?["dbID"] == .int(1))

        #expect(try s.call("databases/alter", #"{"dbName":"analytics","properties":{"database.max.collections":"20","x":"y"}}"#).code == 0)
        #expect(try s.call("databases/alter_properties", #"{"dbName":"analytics","properties":{"z":true}}"#).code == 0)
        #expect(try s.call("databases/drop_properties", #"{"dbName":"analytics","propertyKeys":["x","database.force.deny.writing"]}"#).code == 0)
        #expect(try s.call("databases/describe", #"{"dbName":"analytics"}"#)["data"]?["properties"]
                == [["key": "database.max.collections", "value": "20"], ["key": "z", "value": "true"]])

        #expect(try s.call("databases/drop", #"{"dbName":"analytics"}"#).code == 0)
        #expect(try s.call("databases/list", "{}")["data"] == ["default"])
        // Dropping a missing database is a success, like dropping a missing collection.
        #expect(try s.call("databases/drop", #"{"dbName":"analytics"}"#).code == 0)
    }

    @Test func errors() throws {
        let s = try ServerProcess()
        let missing = try s.call("databases/create", "{}")
        #expect(missing.code == 1802)
        #expect(missing.message.contains("'DatabaseReqWithProperties.DbName'"))
        #expect(try s.call("databases/describe", #"{"dbName":""}"#).code == 1802)
        #expect(try s.call("databases/drop", "{}").code == 1802)
        #expect(try s.call("databases/describe", #"{"dbName":"nope"}"#).code == 800)
        #expect(try s.call("databases/describe", #"{"dbName":"nope"}"#).message == "database not found[database=nope]")
        #expect(try s.call("databases/alter", #"{"dbName":"nope","properties":{}}"#).code == 800)
        #expect(try s.call("databases/drop_properties", #"{"dbName":"nope","propertyKeys":[]}"#).code == 800)
        #expect(try s.call("databases/create", #"{"dbName":"9lives"}"#).code == 802)
        #expect(try s.call("databases/create", #"{"dbName":"has-dash"}"#).code == 802)
        #expect(try s.call("databases/create", #"{"dbName":"d1","properties":[1]}"#).code == 1801)
        #expect(try s.call("databases/create", #"{"dbName":"d1"}"#).code == 0)
        #expect(try s.call("databases/create", #"{"dbName":"d1"}"#).code == 65535)
        let dropDefault = try s.call("databases/drop", #"{"dbName":"default"}"#)
        #expect(dropDefault.code == 1100)
        #expect(try s.call("databases/list", "{}")["data"] == ["default", "d1"])
    }

    @Test func aDatabaseWithCollectionsCannotBeDropped() throws {
        let s = try ServerProcess()
        #expect(try s.call("databases/create", #"{"dbName":"d"}"#).code == 0)
        #expect(try s.call("collections/create", #"{"dbName":"d","collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("databases/drop", #"{"dbName":"d"}"#).code == 65535)
        #expect(try s.call("collections/drop", #"{"dbName":"d","collectionName":"c"}"#).code == 0)
        #expect(try s.call("databases/drop", #"{"dbName":"d"}"#).code == 0)
    }

    @Test func databaseResolutionBodyThenHeaderThenDefault() throws {
        let s = try ServerProcess()
        #expect(try s.call("databases/create", #"{"dbName":"a"}"#).code == 0)
        #expect(try s.call("databases/create", #"{"dbName":"b"}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"in_a","dimension":4}"#, headers: [("DB-Name", "a")]).code == 0)
        #expect(try s.call("collections/create", #"{"dbName":"b","collectionName":"in_b","dimension":4}"#, headers: [("DB-Name", "a")]).code == 0)
        #expect(try s.call("collections/create", #"{"dbName":"","collectionName":"in_default","dimension":4}"#).code == 0)
        #expect(try s.call("collections/list", "{}", headers: [("DB-Name", "a")])["data"] == ["in_a"])
        #expect(try s.call("collections/list", #"{"dbName":"b"}"#, headers: [("DB-Name", "a")])["data"] == ["in_b"])
        #expect(try s.call("collections/list", "{}")["data"] == ["in_default"])
        let unknown = try s.call("collections/list", "{}", headers: [("DB-Name", "ghost")])
        #expect(unknown.code == 800)
        #expect(try s.call("collections/has", #"{"dbName":"ghost","collectionName":"x"}"#).code == 800)
    }
}
