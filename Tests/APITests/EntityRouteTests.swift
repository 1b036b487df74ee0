import Glibc
import JSON
import Testing

/// Every field type with nullable fields and defaults.
let allTypesCollection = #"""
{"collectionName":"all","schema":{"enableDynamicField":true,"fields":[
  {"fieldName":"pk","dataType":"Int64","isPrimary":true},
  {"fieldName":"b","dataType":"Bool"},
  {"fieldName":"i8","dataType":"Int8"},
  {"fieldName":"i16","dataType":"Int16","nullable":true},
  {"fieldName":"i32","dataType":"Int32","defaultValue":-7},
  {"fieldName":"i64","dataType":"Int64"},
  {"fieldName":"f","dataType":"Float"},
  {"fieldName":"d","dataType":"Double","nullable":true,"defaultValue":2.5},
  {"fieldName":"s","dataType":"VarChar","elementTypeParams":{"max_length":8}},
  {"fieldName":"j","dataType":"JSON","nullable":true},
  {"fieldName":"ai","dataType":"Array","elementDataType":"Int64","elementTypeParams":{"max_capacity":3}},
  {"fieldName":"as","dataType":"Array","elementDataType":"VarChar","elementTypeParams":{"max_capacity":2,"max_length":4}},
  {"fieldName":"fv","dataType":"FloatVector","elementTypeParams":{"dim":3}},
  {"fieldName":"bv","dataType":"BinaryVector","elementTypeParams":{"dim":16}},
  {"fieldName":"hv","dataType":"Float16Vector","elementTypeParams":{"dim":2}},
  {"fieldName":"bf","dataType":"BFloat16Vector","elementTypeParams":{"dim":2}},
  {"fieldName":"sv","dataType":"SparseFloatVector"},
  {"fieldName":"iv","dataType":"Int8Vector","elementTypeParams":{"dim":4}}]},
 "indexParams":[{"fieldName":"fv","metricType":"L2"},{"fieldName":"bv"},{"fieldName":"hv"},{"fieldName":"bf"},{"fieldName":"sv"},{"fieldName":"iv"}]}
"""#

private let fullRow = #"""
{"pk":9223372036854775807,"b":true,"i8":-128,"i16":32767,"i32":2147483647,"i64":-9223372036854775808,"f":0.1,"d":1e300,
 "s":"héllo","j":{"a":[1,2.5,"x",null],"big":9007199254740993},"ai":[9007199254740993,-1],"as":["ab","çd"],
 "fv":[0.5,-1.25,3e-5],"bv":"AQI=","hv":[1.5,-2],"bf":"gD8AwA==","sv":{"7":0.5,"3":-1},"iv":[-128,0,5,127],
 "extra":18446744073709551,"tag":"dyn"}
"""#

/// The same kinds of values, with nulls and defaults: absent i32 → -7, null d → 2.5 (default wins over null),
/// null i16 and j → null.
private let sparseRow = #"""
{"pk":-5,"b":false,"i8":0,"i16":null,"i64":0,"f":-3,"d":null,"s":"","ai":[],"as":[],
 "fv":[0,0,0],"bv":[255,0],"hv":"ADwAvA==","bf":[0.5,1],"sv":{"indices":[1,0],"values":[2,1]},"iv":[1,2,3,4]}
"""#

@Suite("entities/* over HTTP")
struct EntityRouteTests {
    private func setUp(_ s: ServerProcess) throws {
        let created = try s.call("collections/create", allTypesCollection)
        #expect(created.code == 0, "\(created.message)")
    }

    @Test func everyTypeRoundTripsExactly() throws {
        let s = try ServerProcess()
        try setUp(s)
        let inserted = try s.call("entities/insert", #"{"collectionName":"all","data":[\#(fullRow),\#(sparseRow)]}"#)
        #expect(inserted == ["code": 0, "data": ["insertCount": 2, "insertIds": [9_223_372_036_854_775_807, -5]], "cost": 0])

        for restart in [false, true] {
            if restart { try s.restart() }
            let got = try s.call("entities/get", #"{"collectionName":"all","id":[9223372036854775807,-5]}"#)
            #expect(got.code == 0, "\(got.message)")
            let full = try #require(got["data"]?[0])
            #expect(full["pk"] == .int(Int64.max))
            #expect(full["b"] == true)
            #expect(full["i8"] == -128)
            #expect(full["i16"] == 32767)
            #expect(full["i32"] == 2_147_483_647)
            #expect(full["i64"] == .int(Int64.min))
            #expect(full["f"]?.doubleValue.map { Float($0) } == Float(0.1))
            #expect(full["d"] == 1e300)
            #expect(full["s"] == "héllo")
            #expect(full["j"] == ["a": [1, 2.5, "x", nil], "big": .int(9_007_199_254_740_993)])
            #expect(full["ai"] == [.int(9_007_199_254_740_993), -1])
            #expect(full["as"] == ["ab", "çd"])
            #expect(full["fv"]?.arrayValue?.compactMap { $0.doubleValue.map(Float.init) } == [0.5, -1.25, 3e-5])
            #expect(full["bv"] == "AQI=")
            #expect(full["hv"] == "AD4AwA==")  // 1.5 and -2 as little-endian float16
            #expect(full["bf"] == "gD8AwA==")
            #expect(full["sv"] == ["3": -1, "7": 0.5])
            #expect(full["iv"] == .string("gAAFfw=="))
            #expect(full["extra"] == .int(18_446_744_073_709_551))
            #expect(full["tag"] == "dyn")

            let other = try #require(got["data"]?[1])
            #expect(other["pk"] == -5)
            #expect(other["i16"] == .null)
            #expect(other["i32"] == -7)
            #expect(other["d"] == 2.5)
            #expect(other["j"] == .null)
            #expect(other["ai"] == [])
            #expect(other["bv"] == "/wA=")
            #expect(other["hv"] == "ADwAvA==")
            #expect(other["bf"] == "AD+APw==")
            #expect(other["sv"] == ["0": 1, "1": 2])
            #expect(other["f"] == -3)
        }
        // Query returns the same values as get.
        let q = try s.call("entities/query", #"{"collectionName":"all","filter":"pk < 0","outputFields":["i32","d","tag"]}"#)
        #expect(q["data"] == [["pk": -5, "i32": -7, "d": 2.5]])
        let withDynamic = try s.call("entities/query", #"{"collectionName":"all","filter":"pk > 0","outputFields":["tag","extra"]}"#)
        #expect(withDynamic["data"] == [["pk": .int(Int64.max), "tag": "dyn", "extra": .int(18_446_744_073_709_551)]])
        // 64-bit integers as strings when asked.
        let strings = try s.call("entities/get", #"{"collectionName":"all","id":"-5","outputFields":["i64","ai"]}"#,
                                 headers: [("Accept-Type-Allow-Int64", "false")])
        #expect(strings["data"] == [["pk": "-5", "i64": "0", "ai": []]])
        let ids = try s.call("entities/insert", #"{"collectionName":"all","data":[\#(sparseRow)]}"#, headers: [("Accept-Type-Allow-Int64", "false")])
        #expect(ids["data"]?["insertIds"] == ["-5"])
        #expect(try s.call("entities/query", #"{"collectionName":"all","outputFields":["count(*)"]}"#, headers: [("Accept-Type-Allow-Int64", "false")])["data"] == [["count(*)": "3"]])
    }

    @Test func milvus26ShapesOnRequest() throws {
        let s = try ServerProcess(arguments: ["--legacy-array-response", "true", "--native-json-response", "false"])
        try setUp(s)
        var row = sparseRow.replacing(#""i8":0"#, with: #""i8":0,"j":"{\"k\":[1,2]}""#)
        row = row.replacing(#""ai":[]"#, with: #""ai":[4,5]"#)
        #expect(try s.call("entities/insert", #"{"collectionName":"all","data":[\#(row)]}"#).code == 0)
        let got = try s.call("entities/get", #"{"collectionName":"all","id":-5,"outputFields":["j","ai","as"]}"#)
        #expect(got["data"]?[0]?["ai"] == ["Data": ["LongData": ["data": [4, 5]]]])
        #expect(got["data"]?[0]?["as"] == ["Data": ["StringData": ["data": []]]])
        // The JSON string was unwrapped on insert and is rendered as JSON text.
        #expect(got["data"]?[0]?["j"] == #"{"k":[1,2]}"#)
        #expect(try s.call("entities/query", #"{"collectionName":"all","filter":"j[\"k\"][1] == 2","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 1]])
    }

    @Test func badRowsAreRejectedWholeNamingRowAndField() throws {
        let s = try ServerProcess()
        try setUp(s)
        func insert(_ change: (String) -> String) throws -> JSONValue {
            try s.call("entities/insert", #"{"collectionName":"all","data":[\#(sparseRow),\#(change(sparseRow))]}"#)
        }
        let cases: [((String) -> String, String)] = [
            ({ $0.replacing(#""b":false"#, with: #""b":3"#) }, "data[1].b"),
            ({ $0.replacing(#""fv":[0,0,0]"#, with: #""fv":[0,0]"#) }, "data[1].fv: []float32 size 2 doesn't equal to vector dimension 3"),
            ({ $0.replacing(#""fv":[0,0,0]"#, with: #""fv":[0,1e39,0]"#) }, "data[1].fv[1]"),
            ({ $0.replacing(#""fv":[0,0,0]"#, with: #""fv":[0,"x",0]"#) }, "data[1].fv[1]"),
            ({ $0.replacing(#""i8":0,"#, with: "") }, "data[1].i8: field i8 is required"),
            ({ $0.replacing(#""i8":0"#, with: #""i8":128"#) }, "data[1].i8: 128 is out of the range of Int8"),
            ({ $0.replacing(#""i64":0"#, with: #""i64":1.5"#) }, "data[1].i64"),
            ({ $0.replacing(#""s":"""#, with: #""s":"123456789""#) }, "data[1].s: the length (9) of the string exceeds max length (8)"),
            ({ $0.replacing(#""ai":[]"#, with: #""ai":[1,2,3,4]"#) }, "data[1].ai: array length 4 exceeds max_capacity 3"),
            ({ $0.replacing(#""ai":[]"#, with: #""ai":[1,null]"#) }, "data[1].ai[1]"),
            ({ $0.replacing(#""as":[]"#, with: #""as":["abcde"]"#) }, "data[1].as[0]"),
            ({ $0.replacing(#""bv":[255,0]"#, with: #""bv":"!!""#) }, "data[1].bv"),
            ({ $0.replacing(#""bv":[255,0]"#, with: #""bv":[256,0]"#) }, "data[1].bv[0]"),
            ({ $0.replacing(#""iv":[1,2,3,4]"#, with: #""iv":[1,2,3,400]"#) }, "data[1].iv[3]"),
            ({ $0.replacing(#""sv":{"indices":[1,0],"values":[2,1]}"#, with: #""sv":{"-1":2}"#) }, "data[1].sv"),
            ({ $0.replacing(#""f":-3"#, with: #""f":1e40"#) }, "data[1].f"),
            ({ $0.replacing(#""b":false"#, with: #""b":false,"$meta":1"#) }, "data[1].$meta"),
            ({ _ in "[1]" }, "data[1]: expected an object"),
        ]
        for (change, mention) in cases {
            let r = try insert(change)
            #expect(r.code == 1804, "\(mention): \(r)")
            #expect(r.message.hasPrefix("fail to deal the insert data, error: "), "\(r.message)")
            #expect(r.message.contains(mention), "expected '\(mention)' in: \(r.message)")
        }
        #expect(try s.call("entities/insert", #"{"collectionName":"all","data":[]}"#).code == 1804)
        #expect(try s.call("entities/insert", #"{"collectionName":"all"}"#).code == 1802)
        #expect(try s.call("entities/insert", #"{"collectionName":"all","data":{}}"#).code == 1801)
        #expect(try s.call("entities/insert", #"{"collectionName":"nope","data":[{}]}"#).code == 100)
        #expect(try s.call("entities/insert", #"{"collectionName":"all","partitionName":"nope","data":[\#(sparseRow)]}"#).code == 200)
        // Nothing was written by any of them.
        #expect(try s.call("entities/query", #"{"collectionName":"all","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 0]])
        #expect(try s.call("collections/get_stats", #"{"collectionName":"all"}"#)["data"] == ["rowCount": 0])
    }

    @Test func unknownFieldsNeedTheDynamicField() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"strict","dimension":2,"params":{"enableDynamicField":false}}"#).code == 0)
        let r = try s.call("entities/insert", #"{"collectionName":"strict","data":[{"id":1,"vector":[1,2],"color":"red"}]}"#)
        #expect(r.code == 1804)
        #expect(r.message.contains("has pass more field without dynamic schema"))
        #expect(try s.call("entities/query", #"{"collectionName":"strict","filter":"color == \"red\""}"#).code == 1100)
        #expect(try s.call("entities/query", #"{"collectionName":"strict","filter":"id > 0","outputFields":["color"]}"#).code == 1100)
    }

    @Test func readsNeedALoadedCollectionWritesDoNot() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2}"#).code == 0)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":1,"vector":[1,2]},{"id":2,"vector":[3,4]}]}"#).code == 0)
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","data":[{"id":2,"vector":[5,6]}]}"#).code == 0)
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"vector == 1 or id == 1"}"#).code == 1100)
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"id == 1"}"#)["data"] == ["deleteCount": 1])
        let q = try s.call("entities/query", #"{"collectionName":"c","filter":"id > 0"}"#)
        #expect(q.code == 101)
        #expect(q.message.hasPrefix("failed to query: collection not loaded[collection="))
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":2}"#).code == 101)
        #expect(try s.call("collections/get_stats", #"{"collectionName":"c"}"#)["data"] == ["rowCount": 1])
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"id > 0"}"#)["data"] == [["id": 2, "vector": [5, 6]]])
        // A released partition is not read; naming it is an error.
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p"}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"c","partitionName":"p","data":[{"id":3,"vector":[0,0]}]}"#).code == 0)
        #expect(try s.call("partitions/release", #"{"collectionName":"c","partitionNames":["p"]}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"id > 0","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 1]])
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"id > 0","partitionNames":["p"]}"#).code == 201)
    }

    @Test func queryOptionsAndLimits() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2}"#).code == 0)
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"odd"}"#).code == 0)
        let even = (0..<150).filter { $0 % 2 == 0 }.map { #"{"id":\#($0),"vector":[\#($0),1],"n":\#($0)}"# }.joined(separator: ",")
        let odd = (0..<150).filter { $0 % 2 == 1 }.map { #"{"id":\#($0),"vector":[\#($0),1],"n":\#($0)}"# }.joined(separator: ",")
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(even)]}"#)["data"]?["insertCount"] == 75)
        #expect(try s.call("entities/insert", #"{"collectionName":"c","partitionName":"odd","data":[\#(odd)]}"#)["data"]?["insertCount"] == 75)
        #expect(try s.call("entities/query", #"{"collectionName":"c"}"#)["data"]?.arrayValue?.count == 100)  // default limit
        let page = try s.call("entities/query", #"{"collectionName":"c","filter":"n >= 0","limit":5,"offset":10,"outputFields":["n"]}"#)
        #expect(page["data"] == [["id": 20, "n": 20], ["id": 22, "n": 22], ["id": 24, "n": 24], ["id": 26, "n": 26], ["id": 28, "n": 28]])
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"n >= 0","limit":0}"#)["data"]?.arrayValue?.count == 150)
        #expect(try s.call("entities/query", #"{"collectionName":"c","limit":0}"#).code == 1100)
        #expect(try s.call("entities/query", #"{"collectionName":"c","limit":16000,"offset":385}"#).code == 1100)
        #expect(try s.call("entities/query", #"{"collectionName":"c","limit":16000,"offset":384}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"id < 10","partitionNames":["odd"],"outputFields":["count(*)"]}"#)["data"] == [["count(*)": 5]])
        #expect(try s.call("entities/query", #"{"collectionName":"c","partitionNames":["nope"]}"#).code == 200)
        #expect(try s.call("entities/query", #"{"collectionName":"c","outputFields":["count(*)","n"]}"#).code == 1100)
        #expect(try s.call("entities/query", #"{"collectionName":"c","outputFields":["1bad"]}"#).code == 65535)
        #expect(try s.call("entities/query", #"{"collectionName":"c","consistencyLevel":"Never"}"#).code == 1100)
        #expect(try s.call("entities/query", #"{"collectionName":"c","filter":"n in {ns}","exprParams":{"ns":[3,4,5]},"outputFields":["count(*)"]}"#)["data"] == [["count(*)": 3]])
        // get: partitions, missing keys, bad keys.
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":[1,2,999],"outputFields":["n"]}"#)["data"] == [["id": 1, "n": 1], ["id": 2, "n": 2]])
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":[1,2],"partitionNames":["odd"],"outputFields":["n"]}"#)["data"] == [["id": 1, "n": 1]])
        #expect(try s.call("entities/get", #"{"collectionName":"c"}"#).code == 1802)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":[true]}"#).code == 1806)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":"x"}"#).code == 1806)
        // delete: filter required, partition-scoped, counts what it deleted.
        #expect(try s.call("entities/delete", #"{"collectionName":"c"}"#).code == 1802)
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"n < 10","partitionName":"odd"}"#)["data"] == ["deleteCount": 5])
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"n < 10"}"#)["data"] == ["deleteCount": 5])
        #expect(try s.call("entities/delete", #"{"collectionName":"c","id":[10,11,12345]}"#)["data"] == ["deleteCount": 2])
        #expect(try s.call("entities/query", #"{"collectionName":"c","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 138]])
    }

    @Test func duplicateKeysUpsertAndPartialUpdate() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"VarChar","isPrimary":true,"elementTypeParams":{"max_length":16}},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},{"fieldName":"a","dataType":"Int32"},{"fieldName":"b","dataType":"VarChar","elementTypeParams":{"max_length":16},"nullable":true}]},"indexParams":[{"fieldName":"v"}]}"#).code == 0)
        // Insert keeps duplicated keys, as Milvus does.
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":"k","v":[1,1],"a":1},{"id":"k","v":[2,2],"a":2}]}"#)["data"] == ["insertCount": 2, "insertIds": ["k", "k"]])
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":"k","outputFields":["a"]}"#)["data"] == [["id": "k", "a": 1], ["id": "k", "a": 2]])
        // Upsert replaces every row of the key; within one request the last row wins.
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","data":[{"id":"k","v":[3,3],"a":3,"b":"x"},{"id":"k","v":[4,4],"a":4,"b":"y"}]}"#)["data"] == ["upsertCount": 2, "upsertIds": ["k", "k"]])
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":"k","outputFields":["a","b"]}"#)["data"] == [["id": "k", "a": 4, "b": "y"]])
        // Partial update changes only the given fields.
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","partialUpdate":true,"data":[{"id":"k","a":5}]}"#).code == 0)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":"k"}"#)["data"] == [["id": "k", "v": [4, 4], "a": 5, "b": "y"]])
        // A new key under partial update needs the required fields.
        let incomplete = try s.call("entities/upsert", #"{"collectionName":"c","partialUpdate":true,"data":[{"id":"new","a":1}]}"#)
        #expect(incomplete.code == 1804)
        #expect(incomplete.message.contains("field v"))
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","partialUpdate":true,"data":[{"id":"k","a":6},{"id":"k2","b":"z"}]}"#).code == 1804)
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","data":[{"v":[1,1],"a":1}]}"#).code == 1804)
        #expect(try s.call("entities/get", #"{"collectionName":"c","id":["k","new"],"outputFields":["a"]}"#)["data"] == [["id": "k", "a": 5]])
    }

    @Test func autoIDsAreUniqueAndNeverReused() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2,"autoID":true}"#).code == 0)
        let given = try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":5,"vector":[1,1]}]}"#)
        #expect(given.code == 1804)
        #expect(given.message.contains("no need to pass pk field(id) when autoid==true in insert"))
        var all: [Int64] = []
        for round in 0..<3 {
            let r = try s.call("entities/insert", #"{"collectionName":"c","data":[{"vector":[1,1]},{"vector":[2,2]},{"vector":[3,3]}]}"#)
            let ids = r["data"]?["insertIds"]?.arrayValue?.compactMap(\.intValue) ?? []
            #expect(ids.count == 3)
            #expect(ids.allSatisfy { $0 > 1 << 53 })
            if round == 1 {
                #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"id in [\#(ids.map(String.init).joined(separator: ","))]"}"#)["data"] == ["deleteCount": 3])
            }
            all += ids
            try s.restart(signal: round == 0 ? SIGKILL : SIGTERM)
        }
        #expect(Set(all).count == all.count)
        #expect(all == all.sorted())
        // The stored ids are the returned ones.
        let stored = try s.call("entities/query", #"{"collectionName":"c","filter":"id > 0","outputFields":["id"]}"#)["data"]?.arrayValue?.compactMap { $0["id"]?.intValue }
        #expect(stored.map(Set.init) == Set(all[0..<3] + all[6..<9]))
    }

    @Test func partitionKeyRowsAreHashedAndFiltersFindThem() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"mt","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"tenant","dataType":"VarChar","isPartitionKey":true,"elementTypeParams":{"max_length":16}},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"params":{"partitionsNum":4},"indexParams":[{"fieldName":"v"}]}"#).code == 0)
        let rows = (0..<200).map { #"{"id":\#($0),"tenant":"t\#($0 % 10)","v":[1,1]}"# }.joined(separator: ",")
        #expect(try s.call("entities/insert", #"{"collectionName":"mt","data":[\#(rows)]}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"mt","partitionName":"_default_0","data":[{"id":1,"tenant":"x","v":[1,1]}]}"#).code == 1100)
        var perPartition: [Int64] = []
        for p in 0..<4 {
            perPartition.append(try s.call("partitions/get_stats", #"{"collectionName":"mt","partitionName":"_default_\#(p)"}"#)["data"]?["rowCount"]?.intValue ?? -1)
        }
        #expect(perPartition.reduce(0, +) == 200)
        #expect(perPartition.filter { $0 > 0 }.count >= 2, "rows spread over partitions: \(perPartition)")
        #expect(try s.call("entities/query", #"{"collectionName":"mt","filter":"tenant == \"t3\"","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 20]])
        #expect(try s.call("entities/query", #"{"collectionName":"mt","filter":"tenant in [\"t1\",\"t2\"] and id < 100","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 20]])
        // Pruning by an Int64 key must not drop a value written as a double.
        #expect(try s.call("collections/create", #"{"collectionName":"mi","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"k","dataType":"Int64","isPartitionKey":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v"}]}"#).code == 0)
        #expect(try s.call("entities/insert", #"{"collectionName":"mi","data":[{"id":1,"k":5,"v":[1,1]},{"id":2,"k":6,"v":[1,1]}]}"#).code == 0)
        #expect(try s.call("entities/query", #"{"collectionName":"mi","filter":"k in [5.0, 6]","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 2]])
        #expect(try s.call("entities/query", #"{"collectionName":"mi","filter":"k == 5","outputFields":["count(*)"]}"#)["data"] == [["count(*)": 1]])
    }
}
