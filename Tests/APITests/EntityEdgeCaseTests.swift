import Glibc
import JSON
import Testing

@Suite("entities: edge cases found in review")
struct EntityEdgeCaseTests {
    @Test func partialUpsertOfANewKeyTakesDefaultsAndSurvivesRestart() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"enableDynamicField":true,"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},{"fieldName":"n","dataType":"Int32","defaultValue":7},{"fieldName":"m","dataType":"Int32","nullable":true,"defaultValue":3},{"fieldName":"z","dataType":"Int32","nullable":true}]},"indexParams":[{"fieldName":"v"}]}"#).code == 0)
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","partialUpdate":true,"data":[{"id":1,"v":[1,2],"a":1,"b":2}]}"#).code == 0)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":1}"#)["data"] == [["id": 1, "v": [1, 2], "n": 7, "m": 3, "z": nil, "a": 1, "b": 2]])
        // Dynamic keys merge under partial update.
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","partialUpdate":true,"data":[{"id":1,"b":20,"c":30}]}"#).code == 0)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":1,"outputFields":["a","b","c"]}"#)["data"] == [["id": 1, "a": 1, "b": 20, "c": 30]])
        try s.restart()
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":1,"outputFields":["n","m"]}"#)["data"] == [["id": 1, "n": 7, "m": 3]])
    }

    @Test func partialUpsertKeepsRowsInTheirKeysPartition() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"mt","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"tenant","dataType":"VarChar","isPartitionKey":true,"elementTypeParams":{"max_length":16}},{"fieldName":"n","dataType":"Int32"},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"params":{"partitionsNum":8},"indexParams":[{"fieldName":"v"}]}"#).code == 0)
        let rows = (0..<40).map { #"{"id":\#($0),"tenant":"t\#($0)","n":0,"v":[1,1]}"# }.joined(separator: ",")
        #expect(try s.call("entities/insert", #"{"collectionName":"mt","data":[\#(rows)]}"#).code == 0)
        let updates = (0..<40).map { #"{"id":\#($0),"n":1}"# }.joined(separator: ",")
        #expect(try s.call("entities/upsert", #"{"collectionName":"mt","partialUpdate":true,"data":[\#(updates)]}"#).code == 0)
        for i in [0, 13, 39] {
            #expect(try s.call("entities/query", #"{"collectionName":"mt","filter":"tenant == \"t\#(i)\"","outputFields":["n"]}"#)["data"] == [["id": .int(Int64(i)), "n": 1]])
        }
    }

    @Test func allowInsertAutoIDKeepsTheGivenKey() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2,"autoID":true,"properties":{"allow_insert_auto_id":"true"}}"#).code == 0)
        let r = try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":42,"vector":[1,1]},{"vector":[2,2]}]}"#)
        let ids = r["data"]?["insertIds"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(ids.count == 2)
        #expect(ids.first == 42)
        #expect((ids.last ?? 0) > 1 << 53)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":42}"#)["data"]?.arrayValue?.count == 1)
    }

    @Test func hostileFiltersFailCleanlyOrRunFast() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":1,"vector":[1,1],"s":"\#(String(repeating: "a", count: 3000))"}]}"#).code == 0)
        func query(_ filter: String) throws -> JSONValue {
            try s.call("entities/query", #"{"collectionName":"c","filter":\#(JSONWriter().encodeString(.string(filter))),"outputFields":["count(*)"]}"#)
        }
        let deep = String(repeating: "(", count: 100_000) + "id > 0" + String(repeating: ")", count: 100_000)
        #expect(try query(deep).code == 1100)
        #expect(try query(String(repeating: "not ", count: 100_000) + "id > 0").code == 1100)
        #expect(try query("id > " + String(repeating: "1 + ", count: 50_000) + "1").code == 1100)
        // A long `or` chain is fine (balanced), and so is a long list.
        let chain = (0..<5_000).map { "id == \($0)" }.joined(separator: " or ")
        #expect(try query(chain)["data"] == [["count(*)": 1]])
        let list = "id in [" + (0..<50_000).map(String.init).joined(separator: ",") + "]"
        #expect(try query(list)["data"] == [["count(*)": 1]])
        // Patterns that backtrack exponentially in a naive matcher.
        // Measured as the server's CPU time: the test process's own would count the tests running beside it.
        let start = s.cpuSeconds()
        #expect(try query("s like \"" + String(repeating: "%a", count: 40) + "%b\"")["data"] == [["count(*)": 0]])
        #expect(try query("s like \"" + String(repeating: "_", count: 3000) + "\"")["data"] == [["count(*)": 1]])
        #expect(s.cpuSeconds() - start < 5)
        #expect(s.isRunning)
    }

    @Test func deleteByStringKeysWithAnyCharacters() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2,"idType":"VarChar","params":{"max_length":32}}"#).code == 0)
        let keys = ["a\\bc", "tab\there", "quote\"d", "\u{1F600}", "nul\u{01}"]
        let rows = keys.map { #"{"id":\#(JSONWriter().encodeString(.string($0))),"vector":[1,1]}"# }.joined(separator: ",")
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(rows)]}"#).code == 0)
        let ids = JSONWriter().encodeString(.array(keys.map(JSONValue.string)))
        #expect(try s.call("entities/delete", #"{"collectionName":"c","id":\#(ids)}"#)["data"] == ["deleteCount": 5])
        #expect(try s.call("entities/query", #"{"collectionName":"c","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 0]])
    }

    @Test func vectorAndBoolEncodingsAtTheEdges() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"b","dataType":"Bool"},{"fieldName":"bf","dataType":"BFloat16Vector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"bf"}]}"#).code == 0)
        let overflow = try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":1,"b":true,"bf":[3.4028234e38,1]}]}"#)
        #expect(overflow.code == 1804)
        #expect(overflow.message.contains("BFloat16"))
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":1,"b":"1","bf":[1,1]},{"id":2,"b":"f","bf":[1,1]}]}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"b","outputFields":["b"]}"#)["data"] == [["id": 1, "b": true]])
    }
}
