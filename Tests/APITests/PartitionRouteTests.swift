import JSON
import Testing

@Suite("partitions/* over HTTP")
struct PartitionRouteTests {
    @Test func lifecycle() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        #expect(try s.call("partitions/list", #"{"collectionName":"c"}"#) == ["code": 0, "data": ["_default"]])
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p1"}"#) == ["code": 0, "data": [:]])
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p1"}"#).code == 0)  // idempotent
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p2"}"#).code == 0)
        #expect(try s.call("partitions/list", #"{"collectionName":"c"}"#)["data"] == ["_default", "p1", "p2"])
        #expect(try s.call("partitions/has", #"{"collectionName":"c","partitionName":"p1"}"#)["data"] == ["has": true])
        #expect(try s.call("partitions/has", #"{"collectionName":"c","partitionName":"p9"}"#)["data"] == ["has": false])
        #expect(try s.call("partitions/get_stats", #"{"collectionName":"c","partitionName":"p1"}"#)["data"] == ["rowCount": 0])
        // Releasing nothing (or an already released partition) keeps the whole-collection load.
        #expect(try s.call("partitions/release", #"{"collectionName":"c","partitionNames":[]}"#).code == 0)
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p0"}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["p0"]}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("partitions/release", #"{"collectionName":"c","partitionNames":["p0"]}"#).code == 0)
        #expect(try s.call("partitions/drop", #"{"collectionName":"c","partitionName":"p0"}"#).code == 0)
        // New partitions of a loaded collection are loaded; a loaded partition cannot be dropped.
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["p1","p2"]}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("partitions/drop", #"{"collectionName":"c","partitionName":"p1"}"#).code == 1100)
        #expect(try s.call("partitions/release", #"{"collectionName":"c","partitionNames":["p1"]}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["p1"]}"#)["data"] == ["loadState": "LoadStateNotLoad"])
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("partitions/drop", #"{"collectionName":"c","partitionName":"p1"}"#).code == 0)
        #expect(try s.call("partitions/drop", #"{"collectionName":"c","partitionName":"p1"}"#).code == 0)  // missing: success
        #expect(try s.call("partitions/list", #"{"collectionName":"c"}"#)["data"] == ["_default", "p2"])
        // Partial loads: release all, load one.
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":["p2"]}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["p2"]}"#)["data"]?["loadState"] == "LoadStateLoaded")
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["_default"]}"#)["data"]?["loadState"] == "LoadStateNotLoad")
        // A partition created now is not loaded (the collection was not loaded as a whole).
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"p3"}"#).code == 0)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c","partitionNames":["p3"]}"#)["data"]?["loadState"] == "LoadStateNotLoad")
    }

    @Test func errors() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4}"#).code == 0)
        let missing = try s.call("partitions/create", #"{"collectionName":"c"}"#)
        #expect(missing.code == 1802)
        #expect(missing.message.contains("'PartitionReq.PartitionName'"))
        #expect(try s.call("partitions/has", #"{"partitionName":"p"}"#).code == 1802)
        let loadMissing = try s.call("partitions/load", #"{"collectionName":"c"}"#)
        #expect(loadMissing.code == 1802)
        #expect(loadMissing.message.contains("'PartitionsReq.PartitionNames'"))
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":[]}"#).code == 0)
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":["nope"]}"#) == ["code": 200, "message": "partition not found[partition=nope]"])
        #expect(try s.call("partitions/release", #"{"collectionName":"c","partitionNames":["_default","nope"]}"#).code == 200)
        #expect(try s.call("partitions/get_stats", #"{"collectionName":"c","partitionName":"nope"}"#).code == 200)
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":[1]}"#).code == 1801)
        #expect(try s.call("partitions/create", #"{"collectionName":"c","partitionName":"bad name"}"#).code == 1100)
        #expect(try s.call("partitions/drop", #"{"collectionName":"c","partitionName":"_default"}"#).code == 1100)
        #expect(try s.call("partitions/list", #"{"collectionName":"ghost"}"#).code == 100)
        #expect(try s.call("partitions/create", #"{"collectionName":"ghost","partitionName":"p"}"#).code == 100)
        #expect(try s.call("partitions/list", #"{"collectionName":"c"}"#)["data"] == ["_default"])
    }

    @Test func partitionKeyCollectionsRefuseManualPartitions() throws {
        let s = try ServerProcess()
        let body = #"{"collectionName":"mt","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"tenant","dataType":"Int64","isPartitionKey":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]}}"#
        #expect(try s.call("collections/create", body).code == 0)
        #expect(try s.call("partitions/list", #"{"collectionName":"mt"}"#)["data"]?.arrayValue?.count == 16)
        #expect(try s.call("partitions/create", #"{"collectionName":"mt","partitionName":"p"}"#).code == 1100)
        #expect(try s.call("partitions/drop", #"{"collectionName":"mt","partitionName":"_default_0"}"#).code == 1100)
        #expect(try s.call("indexes/create", #"{"collectionName":"mt","indexParams":[{"fieldName":"v"}]}"#).code == 0)
        #expect(try s.call("partitions/load", #"{"collectionName":"mt","partitionNames":["_default_0"]}"#).code == 1100)
        #expect(try s.call("partitions/release", #"{"collectionName":"mt","partitionNames":["_default_0"]}"#).code == 1100)
        #expect(try s.call("collections/load", #"{"collectionName":"mt"}"#).code == 0)
    }

    @Test func loadingPartitionsNeedsVectorIndexes() throws {
        let s = try ServerProcess()
        let body = #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]}}"#
        #expect(try s.call("collections/create", body).code == 0)
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":["_default"]}"#).code == 700)
        #expect(try s.call("indexes/create", #"{"collectionName":"c","indexParams":[{"fieldName":"v","metricType":"L2"}]}"#).code == 0)
        #expect(try s.call("partitions/load", #"{"collectionName":"c","partitionNames":["_default"]}"#).code == 0)
    }
}
