import JSON
import Testing

@Suite("collections/* over HTTP")
struct CollectionRouteTests {
    @Test func quickSetupHasMilvusDefaults() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"quick","dimension":4}"#) == ["code": 0, "data": [:]])
        let d = try s.call("collections/describe", #"{"collectionName":"quick"}"#)
        #expect(d.code == 0)
        #expect(d["message"] == "")
        let data = try #require(d["data"]?.objectValue)
        let expectedKeys: Set<String> = ["collectionName", "collectionID", "description", "autoId", "fields", "functions", "aliases",
                                         "indexes", "load", "shardsNum", "partitionsNum", "consistencyLevel",
                                         "enableDynamicField", "properties"]
        #expect(Set(data.keys) == expectedKeys)
        #expect(data["collectionName"] == "quick")
        #expect((data["collectionID"]?.intValue ?? 0) > 1 << 53)
        #expect(data["autoId"] == false)
        #expect(data["enableDynamicField"] == true)
        #expect(data["consistencyLevel"] == "Bounded")
        #expect(data["shardsNum"] == 1)
        #expect(data["partitionsNum"] == 1)
        #expect(data["load"] == "LoadStateLoaded")
        #expect(data["aliases"] == [])
        #expect(data["functions"] == [])
        #expect(data["properties"] == [["key": "timezone", "value": "UTC"]])
        #expect(data["indexes"] == [["fieldName": "vector", "indexName": "vector", "metricType": "COSINE"]])
        #expect(data["fields"] == [
            ["name": "id", "id": 100, "type": "Int64", "primaryKey": true, "partitionKey": false, "clusteringKey": false,
             "autoId": false, "nullable": false, "description": ""],
            ["name": "vector", "id": 101, "type": "FloatVector", "primaryKey": false, "partitionKey": false,
             "clusteringKey": false, "autoId": false, "nullable": false, "description": "",
             "params": [["key": "dim", "value": "4"]]],
        ])
        let state = try s.call("collections/get_load_state", #"{"collectionName":"quick"}"#)
        #expect(state == ["code": 0, "data": ["loadProgress": 100, "loadState": "LoadStateLoaded"], "message": ""])
        let index = try s.call("indexes/describe", #"{"collectionName":"quick","indexName":"vector"}"#)
        #expect(index["data"]?[0]?["indexType"] == "AUTOINDEX")
        #expect(index["data"]?[0]?["metricType"] == "COSINE")
    }

    @Test func quickSetupOptions() throws {
        let s = try ServerProcess()
        let body = #"""
        {"collectionName":"q2","dimension":16,"metricType":"l2","idType":"VarChar","autoID":false,
         "primaryFieldName":"pk","vectorFieldName":"emb","description":"two",
         "params":{"max_length":64,"enableDynamicField":false,"shardsNum":2.0,"consistencyLevel":"Strong","ttlSeconds":3600}}
        """#
        #expect(try s.call("collections/create", body).code == 0)
        let data = try #require(try s.call("collections/describe", #"{"collectionName":"q2"}"#)["data"])
        #expect(data["description"] == "two")
        #expect(data["enableDynamicField"] == false)
        #expect(data["shardsNum"] == 2)
        #expect(data["consistencyLevel"] == "Strong")
        #expect(data["fields"]?[0]?["name"] == "pk")
        #expect(data["fields"]?[0]?["type"] == "VarChar")
        #expect(data["fields"]?[0]?["params"] == [["key": "max_length", "value": "64"]])
        #expect(data["fields"]?[1]?["name"] == "emb")
        #expect(data["indexes"] == [["fieldName": "emb", "indexName": "emb", "metricType": "L2"]])
        #expect(data["properties"] == [["key": "collection.ttl.seconds", "value": "3600"], ["key": "timezone", "value": "UTC"]])
        // Binary and sparse quick setups pick their own default metric.
        #expect(try s.call("collections/create", #"{"collectionName":"qb","dimension":64,"vectorFieldType":"BinaryVector"}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"qb"}"#)["data"]?["indexes"]?[0]?["metricType"] == "HAMMING")
        #expect(try s.call("collections/create", #"{"collectionName":"qs","vectorFieldType":"SparseFloatVector"}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"qs"}"#)["data"]?["indexes"]?[0]?["metricType"] == "IP")
    }

    @Test func quickSetupErrors() throws {
        let s = try ServerProcess()
        let noDim = try s.call("collections/create", #"{"collectionName":"x"}"#)
        #expect(noDim.code == 1100)
        #expect(noDim.message == "dimension is required for quickly create collection(default metric type: COSINE): invalid parameter[expected=collectionName & dimension][actual=collectionName]")
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"idType":"UUID"}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"idType":"VarChar"}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"metricType":"HAMMING"}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"params":{"consistencyLevel":"Sometimes"}}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"consistencyLevel":"Strong","params":{"consistencyLevel":"Session"}}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":40000}"#).code == 1100)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":"4"}"#).code == 1801)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4.5}"#).code == 1801)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"autoID":"yes"}"#).code == 1801)
        #expect(try s.call("collections/create", #"{"dimension":4}"#).code == 1802)
        #expect(try s.call("collections/create", #"{"collectionName":"x","dimension":4,"params":{"ttlSeconds":-100}}"#).code == 1100)
        #expect(try s.call("collections/list", "{}")["data"] == [])
    }

    @Test func nameRules() throws {
        let s = try ServerProcess()
        for bad in ["1abc", "has space", "dash-ed", "ünïcode", String(repeating: "a", count: 256)] {
            let r = try s.call("collections/create", #"{"collectionName":"\#(bad)","dimension":4}"#)
            #expect(r.code == 1100, "\(bad)")
            #expect(r.message.contains("Invalid collection name"), "\(r.message)")
        }
        #expect(try s.call("collections/create", #"{"collectionName":"_ok_1","dimension":4}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"\#(String(repeating: "b", count: 255))","dimension":4}"#).code == 0)
        #expect(try s.call("collections/list", "{}")["data"]?.arrayValue?.count == 2)
    }

    @Test func fullSchemaWithEveryType() throws {
        let s = try ServerProcess()
        let body = #"""
        {"collectionName":"full","description":"all types",
         "schema":{"autoID":true,"enableDynamicField":true,"fields":[
           {"fieldName":"pk","dataType":"Int64","isPrimary":true},
           {"fieldName":"b","dataType":"Bool","defaultValue":true},
           {"fieldName":"i8","dataType":"Int8","nullable":true},
           {"fieldName":"i16","dataType":"Int16"},
           {"fieldName":"i32","dataType":"Int32","defaultValue":7},
           {"fieldName":"i64","dataType":"Int64","defaultValue":9007199254740993},
           {"fieldName":"f","dataType":"Float","defaultValue":1.5},
           {"fieldName":"d","dataType":"Double"},
           {"fieldName":"s","dataType":"VarChar","elementTypeParams":{"max_length":"32"},"defaultValue":"none","description":"a string"},
           {"fieldName":"j","dataType":"JSON","nullable":true},
           {"fieldName":"tenant","dataType":"VarChar","isPartitionKey":true,"elementTypeParams":{"max_length":16}},
           {"fieldName":"arr","dataType":"Array","elementDataType":"VarChar","elementTypeParams":{"max_capacity":4,"max_length":8}},
           {"fieldName":"fv","dataType":"FloatVector","elementTypeParams":{"dim":8}},
           {"fieldName":"bv","dataType":"BinaryVector","elementTypeParams":{"dim":16}},
           {"fieldName":"sv","dataType":"SparseFloatVector"},
           {"fieldName":"hv","dataType":"Float16Vector","elementTypeParams":{"dim":4}}]},
         "params":{"partitionsNum":4},
         "indexParams":[{"fieldName":"fv","indexType":"HNSW","metricType":"IP","params":{"M":16,"efConstruction":200}},
                        {"fieldName":"bv","metricType":"JACCARD","indexType":"BIN_IVF_FLAT","params":{"nlist":64}},
                        {"fieldName":"sv","indexType":"SPARSE_INVERTED_INDEX","metricType":"IP"},
                        {"fieldName":"hv","indexName":"half","indexType":"IVF_FLAT","metricType":"L2"},
                        {"fieldName":"s","indexType":"INVERTED"}]}
        """#
        #expect(try s.call("collections/create", body).code == 0)
        let data = try #require(try s.call("collections/describe", #"{"collectionName":"full"}"#)["data"])
        #expect(data["autoId"] == true)
        #expect(data["description"] == "all types")
        #expect(data["load"] == "LoadStateLoaded")
        #expect(data["partitionsNum"] == 4)
        let fields = try #require(data["fields"]?.arrayValue)
        #expect(fields.map { $0["type"]?.stringValue ?? "" } == ["Int64", "Bool", "Int8", "Int16", "Int32", "Int64", "Float", "Double",
                                                                   "VarChar", "JSON", "VarChar", "Array", "FloatVector",
                                                                   "BinaryVector", "SparseFloatVector", "Float16Vector"])
        #expect(fields.map { $0["id"]?.intValue ?? 0 } == Array(100...115))
        #expect(fields[0]["autoId"] == true)
        #expect(fields[1]["defaultValue"] == ["Data": ["BoolData": true]])
        #expect(fields[2]["nullable"] == true)
        #expect(fields[4]["defaultValue"] == ["Data": ["IntData": 7]])
        #expect(fields[5]["defaultValue"] == ["Data": ["LongData": .int(9_007_199_254_740_993)]])
        #expect(fields[8]["defaultValue"] == ["Data": ["StringData": "none"]])
        #expect(fields[8]["description"] == "a string")
        #expect(fields[10]["partitionKey"] == true)
        #expect(fields[11]["elementType"] == "VarChar")
        #expect(fields[11]["params"] == [["key": "max_capacity", "value": "4"], ["key": "max_length", "value": "8"]])
        #expect(fields[14]["params"] == nil)
        #expect(data["indexes"]?.arrayValue?.count == 4)
        #expect(try s.call("partitions/list", #"{"collectionName":"full"}"#)["data"] == ["_default_0", "_default_1", "_default_2", "_default_3"])
        #expect(try s.call("indexes/list", #"{"collectionName":"full"}"#)["data"] == ["fv", "bv", "sv", "half", "s"])
    }

    @Test func fullSchemaDefaultsAndErrors() throws {
        let s = try ServerProcess()
        let plain = #"{"collectionName":"plain","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]}}"#
        #expect(try s.call("collections/create", plain).code == 0)
        let data = try #require(try s.call("collections/describe", #"{"collectionName":"plain"}"#)["data"])
        #expect(data["enableDynamicField"] == false)
        #expect(data["indexes"] == [])
        #expect(data["load"] == "LoadStateNotLoad")
        #expect(try s.call("collections/describe", #"{"collectionName":"plain"}"#)["message"] == "index not found[collection=plain];")
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"plain"}"#) == ["code": 0, "data": ["loadState": "LoadStateNotLoad"]])
        let load = try s.call("collections/load", #"{"collectionName":"plain"}"#)
        #expect(load.code == 700)
        #expect(load.message.contains("[v]"))

        func field(_ f: String) -> String {
            #"{"collectionName":"bad","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}},\#(f)]}}"#
        }
        let lowerCase = try s.call("collections/create", field(#"{"fieldName":"x","dataType":"int64"}"#))
        #expect(lowerCase.code == 1100)
        #expect(lowerCase.message.contains("case sensitive"))
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Varchar","elementTypeParams":{"max_length":4}}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Array","elementDataType":"Vector"}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Array","elementDataType":"Int64"}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"VarChar","elementTypeParams":{"max_length":70000}}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Int8","defaultValue":"seven"}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"JSON","defaultValue":{}}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"v","dataType":"Bool"}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"","dataType":"Bool"}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Int64","isPrimary":true}"#)).code == 1100)
        #expect(try s.call("collections/create", field(#"{"fieldName":"x","dataType":"Bool","nullable":"yes"}"#)).code == 1801)
        #expect(try s.call("collections/create", field(#""not an object""#)).code == 1801)
        let undefinedIndexField = #"{"collectionName":"bad","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]},"indexParams":[{"fieldName":"w","metricType":"L2"}]}"#
        let r = try s.call("collections/create", undefinedIndexField)
        #expect(r.code == 1802)
        #expect(r.message.contains("`w` hasn't defined in schema"))
        let badIndex = #"{"collectionName":"bad","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]},"indexParams":[{"fieldName":"v","indexType":"HNSW","params":{"M":0}}]}"#
        #expect(try s.call("collections/create", badIndex).code == 1100)
        // None of the failed creates left anything behind.
        #expect(try s.call("collections/list", "{}")["data"] == ["plain"])
    }

    @Test func recreateIsIdempotentOnlyWithTheSameSchema() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        let id = try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["collectionID"]
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["collectionID"] == id)
        let different = try s.call("collections/create", #"{"collectionName":"c","dimension":8}"#)
        #expect(different.code == 65535)
        #expect(different.message == "create duplicate collection with different parameters, collection: c")
        // Re-creating a released quick-setup collection loads it again, as Milvus re-runs index and load.
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)["data"]?["loadState"] == "LoadStateLoaded")
    }

    @Test func listHasDropAndUnknownCollections() throws {
        let s = try ServerProcess()
        for name in ["b", "a", "c"] {
            #expect(try s.call("collections/create", #"{"collectionName":"\#(name)","dimension":4}"#).code == 0)
        }
        #expect(try s.call("collections/list", "{}")["data"] == ["b", "a", "c"])
        #expect(try s.call("collections/has", #"{"collectionName":"a"}"#)["data"] == ["has": true])
        #expect(try s.call("collections/drop", #"{"collectionName":"a"}"#) == ["code": 0, "data": [:]])
        #expect(try s.call("collections/has", #"{"collectionName":"a"}"#)["data"] == ["has": false])
        #expect(try s.call("collections/drop", #"{"collectionName":"a"}"#).code == 0)
        #expect(try s.call("collections/list", "{}")["data"] == ["b", "c"])
        for route in ["describe", "load", "release", "refresh_load", "get_load_state", "get_stats"] {
            let r = try s.call("collections/\(route)", #"{"collectionName":"ghost"}"#)
            #expect(r.code == 100, "\(route)")
            #expect(r.message == "collection not found[database=default][collection=ghost]", "\(route)")
            #expect(try s.call("collections/\(route)", "{}").code == 1802, "\(route)")
        }
        #expect(try s.call("collections/alter_properties", #"{"collectionName":"ghost","properties":{"a":"b"}}"#).code == 100)
        #expect(try s.call("collections/drop_properties", #"{"collectionName":"ghost","propertyKeys":["a"]}"#).code == 100)
        #expect(try s.call("collections/rename", #"{"collectionName":"ghost","newCollectionName":"g2"}"#).code == 100)
    }

    @Test func renameWithinAndAcrossDatabases() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"old","dimension":4}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"other","dimension":4}"#).code == 0)
        let id = try s.call("collections/describe", #"{"collectionName":"old"}"#)["data"]?["collectionID"]
        #expect(try s.call("collections/rename", #"{"collectionName":"old","newCollectionName":"other"}"#).code == 65535)
        #expect(try s.call("collections/rename", #"{"collectionName":"old","newCollectionName":"bad name"}"#).code == 1100)
        #expect(try s.call("collections/rename", #"{"collectionName":"old"}"#).code == 1802)
        #expect(try s.call("collections/rename", #"{"collectionName":"old","newCollectionName":"new"}"#).code == 0)
        #expect(try s.call("collections/list", "{}")["data"] == ["new", "other"])
        #expect(try s.call("collections/describe", #"{"collectionName":"new"}"#)["data"]?["collectionID"] == id)
        #expect(try s.call("collections/rename", #"{"collectionName":"new","newCollectionName":"moved","newDbName":"nowhere"}"#).code == 800)
        #expect(try s.call("databases/create", #"{"dbName":"archive"}"#).code == 0)
        #expect(try s.call("collections/rename", #"{"collectionName":"new","newCollectionName":"moved","newDbName":"archive"}"#).code == 0)
        #expect(try s.call("collections/list", "{}")["data"] == ["other"])
        #expect(try s.call("collections/list", #"{"dbName":"archive"}"#)["data"] == ["moved"])
        #expect(try s.call("collections/describe", #"{"dbName":"archive","collectionName":"moved"}"#)["data"]?["collectionID"] == id)
    }

    @Test func loadReleaseAndStats() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)["data"] == ["loadState": "LoadStateNotLoad"])
        #expect(try s.call("collections/refresh_load", #"{"collectionName":"c"}"#).code == 101)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/refresh_load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["_default"]}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["nope"]}"#).code == 200)
        #expect(try s.call("collections/get_stats", #"{"collectionName":"c"}"#) == ["code": 0, "data": ["rowCount": 0]])
    }

    @Test func properties() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("collections/alter_properties", #"{"collectionName":"c","properties":{"collection.ttl.seconds":60,"mmap.enabled":true,"custom":"v"}}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["properties"]
                == [["key": "timezone", "value": "UTC"], ["key": "collection.ttl.seconds", "value": "60"],
                    ["key": "mmap.enabled", "value": "true"], ["key": "custom", "value": "v"]])
        let ttl = try s.call("collections/alter_properties", #"{"collectionName":"c","properties":{"collection.ttl.seconds":-100}}"#)
        #expect(ttl.code == 1100)
        #expect(ttl.message == "collection TTL is out of range, expect [-1, 3155760000], got -100: invalid parameter")
        #expect(try s.call("collections/alter_properties", #"{"collectionName":"c","properties":{"mmap.enabled":"maybe"}}"#).code == 1100)
        #expect(try s.call("collections/alter_properties", #"{"collectionName":"c","properties":"x"}"#).code == 1801)
        #expect(try s.call("collections/drop_properties", #"{"collectionName":"c","propertyKeys":["custom","mmap.enabled","absent"]}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["properties"]
                == [["key": "timezone", "value": "UTC"], ["key": "collection.ttl.seconds", "value": "60"]])
        #expect(try s.call("collections/drop_properties", #"{"collectionName":"c","propertyKeys":"custom"}"#).code == 1801)
        // `ttl.seconds` is an alias of `collection.ttl.seconds`.
        #expect(try s.call("collections/alter_properties", #"{"collectionName":"c","properties":{"ttl.seconds":90}}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["properties"]
                == [["key": "timezone", "value": "UTC"], ["key": "collection.ttl.seconds", "value": "90"]])
        #expect(try s.call("collections/drop_properties", #"{"collectionName":"c","propertyKeys":["ttl.seconds"]}"#).code == 0)
        #expect(try s.call("collections/describe", #"{"collectionName":"c"}"#)["data"]?["properties"] == [["key": "timezone", "value": "UTC"]])
    }
}
