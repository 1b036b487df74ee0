import JSON
import Testing

@Suite("indexes/* over HTTP")
struct IndexRouteTests {
    static let schema = #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":8}},{"fieldName":"price","dataType":"Double"},{"fieldName":"meta","dataType":"JSON"}]}}"#

    @Test func lifecycle() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema).code == 0)
        #expect(try s.call("indexes/list", #"{"collectionName":"c"}"#) == ["code": 0, "data": []])
        let create = #"{"collectionName":"c","indexParams":[{"fieldName":"v","indexName":"vidx","indexType":"HNSW","metricType":"IP","params":{"M":"24","efConstruction":100}},{"fieldName":"price","indexType":"STL_SORT"},{"fieldName":"meta","indexType":"INVERTED","params":{"json_cast_type":"double","json_path":"meta[\"a\"]"}}]}"#
        #expect(try s.call("indexes/create", create) == ["code": 0, "data": [:]])
        #expect(try s.call("indexes/create", create).code == 0)  // identical: idempotent
        #expect(try s.call("indexes/list", #"{"collectionName":"c"}"#)["data"] == ["vidx", "price", "meta"])

        let d = try s.call("indexes/describe", #"{"collectionName":"c","indexName":"vidx"}"#)
        let item = try #require(d["data"]?[0])
        #expect(item["indexName"] == "vidx")
        #expect(item["fieldName"] == "v")
        #expect(item["indexType"] == "HNSW")
        #expect(item["metricType"] == "IP")
        #expect(item["indexState"] == "Finished")
        #expect(item["totalRows"] == 0)
        #expect(item["indexedRows"] == 0)
        #expect(item["pendingRows"] == 0)
        #expect(item["failReason"] == "")
        #expect(item["mmap.enabled"] == "")
        #expect(item["indexoffsetcache.enabled"] == "")
        #expect(item["params"] == [["key": "index_type", "value": "HNSW"], ["key": "metric_type", "value": "IP"],
                                   ["key": "M", "value": "24"], ["key": "efConstruction", "value": "100"]])
        // Row counts are Int64 data: strings when the client asks for it.
        let asStrings = try s.call("indexes/describe", #"{"collectionName":"c","indexName":"vidx"}"#,
                                   headers: [("Accept-Type-Allow-Int64", "false")])
        #expect(asStrings["data"]?[0]?["totalRows"] == "0")
        #expect(try s.call("indexes/describe", #"{"collectionName":"c","indexName":"price"}"#)["data"]?[0]?["metricType"] == "")

        #expect(try s.call("indexes/alter_properties", #"{"collectionName":"c","indexName":"vidx","properties":{"mmap.enabled":true}}"#).code == 0)
        #expect(try s.call("indexes/describe", #"{"collectionName":"c","indexName":"vidx"}"#)["data"]?[0]?["mmap.enabled"] == "true")
        #expect(try s.call("indexes/alter_properties", #"{"collectionName":"c","indexName":"vidx","properties":{"mmap.enabled":"sometimes"}}"#).code == 1100)
        #expect(try s.call("indexes/drop_properties", #"{"collectionName":"c","indexName":"vidx","propertyKeys":["mmap.enabled"]}"#).code == 0)
        #expect(try s.call("indexes/describe", #"{"collectionName":"c","indexName":"vidx"}"#)["data"]?[0]?["mmap.enabled"] == "")

        // Dropping needs a released collection.
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("indexes/drop", #"{"collectionName":"c","indexName":"price"}"#).code == 65535)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("indexes/drop", #"{"collectionName":"c","indexName":"price"}"#).code == 0)
        #expect(try s.call("indexes/list", #"{"collectionName":"c"}"#)["data"] == ["vidx", "meta"])
        #expect(try s.call("indexes/drop", #"{"collectionName":"c","indexName":"price"}"#).code == 0)  // missing: success
    }

    @Test func errors() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema).code == 0)
        func create(_ params: String) throws -> JSONValue {
            try s.call("indexes/create", #"{"collectionName":"c","indexParams":[\#(params)]}"#)
        }
        let noParams = try s.call("indexes/create", #"{"collectionName":"c"}"#)
        #expect(noParams.code == 1802)
        #expect(noParams.message.contains("'IndexParamReq.IndexParams'"))
        #expect(try create(#"{"indexType":"HNSW"}"#).code == 1802)
        #expect(try create(#"{"fieldName":"w"}"#).code == 1802)
        let m = try create(#"{"fieldName":"v","indexType":"HNSW","metricType":"L2","params":{"M":4096}}"#)
        #expect(m.code == 1100)
        #expect(m.message.contains("'M'") && m.message.contains("2048"))
        #expect(try create(#"{"fieldName":"v","indexType":"IVF_FLAT","metricType":"L2","params":{"nlist":0}}"#).code == 1100)
        #expect(try create(#"{"fieldName":"v","indexType":"IVF_PQ","metricType":"L2","params":{"m":3}}"#).code == 1100)
        #expect(try create(#"{"fieldName":"v","indexType":"MAGIC"}"#).code == 1100)
        #expect(try create(#"{"fieldName":"v","metricType":"JACCARD"}"#).code == 1100)
        #expect(try create(#"{"fieldName":"price","indexType":"Trie"}"#).code == 1100)
        #expect(try create(#"{"fieldName":"meta","indexType":"INVERTED"}"#).code == 1100)
        #expect(try create(#"{"fieldName":"v","params":[1]}"#).code == 1801)
        #expect(try create(#""v""#).code == 1801)
        #expect(try s.call("indexes/list", #"{"collectionName":"c"}"#)["data"] == [])

        #expect(try create(#"{"fieldName":"v","indexType":"HNSW","metricType":"L2"}"#).code == 0)
        let second = try create(#"{"fieldName":"v","indexType":"IVF_FLAT","metricType":"L2"}"#)
        #expect(second.code == 65535)
        #expect(second.message == "CreateIndex failed: at most one distinct index is allowed per field")
        #expect(try create(#"{"fieldName":"price","indexName":"v"}"#).code == 65535)

        #expect(try s.call("indexes/describe", #"{"collectionName":"c"}"#).code == 1802)
        #expect(try s.call("indexes/describe", #"{"collectionName":"c","indexName":"nope"}"#) == ["code": 700, "message": "index not found[indexName=nope]"])
        #expect(try s.call("indexes/alter_properties", #"{"collectionName":"c","indexName":"nope","properties":{}}"#).code == 700)
        #expect(try s.call("indexes/list", #"{"collectionName":"ghost"}"#).code == 100)
        #expect(try s.call("indexes/create", #"{"collectionName":"ghost","indexParams":[{"fieldName":"v"}]}"#).code == 100)
    }
}
