import Glibc
import JSON
import Testing

@Suite("Background load: progress, writes during the load, restart")
struct LoadTests {
    /// Polls `get_load_state` until Loaded; checks every answer on the way (Loading with a progress below
    /// 100 that never goes back, then Loaded with 100). Returns the states seen.
    static func waitLoaded(_ s: ServerProcess, _ name: String) throws -> [String] {
        var seen: [String] = []
        var last = -1
        // Up to 300 s: a slow machine running the whole suite may take long over a load.
        for _ in 0..<6000 {
            let r = try s.call("collections/get_load_state", #"{"collectionName":"\#(name)"}"#)
            #expect(r.code == 0)
            let state = r["data"]?["loadState"]?.stringValue ?? "?"
            let progress = Int(r["data"]?["loadProgress"]?.intValue ?? -1)
            seen.append(state)
            switch state {
            case "LoadStateLoaded":
                #expect(progress == 100)
                return seen
            case "LoadStateLoading":
                #expect((0..<100).contains(progress), "progress \(progress)")
                #expect(progress >= last, "progress went back from \(last) to \(progress)")
                last = progress
            default:
                Issue.record("unexpected state \(state) while loading")
                return seen
            }
            usleep(50_000)
        }
        Issue.record("not loaded in time")
        return seen
    }

    func count(_ s: ServerProcess) throws -> Int64? {
        try s.call("entities/query", #"{"collectionName":"c","filter":"","outputFields":["count(*)"]}"#)["data"]?[0]?["count(*)"]?.intValue
    }

    @Test func loadRunsInTheBackgroundAndKeepsWritesMadeMeanwhile() throws {
        let s = try ServerProcess(environment: ["SWIFTVEC_TEST_LOAD_PAUSE_MS": "5000"])
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"}]}"#).code == 0)
        let rows = 30_000
        for start in stride(from: 0, to: rows, by: 5_000) {
            let batch = (start..<start + 5_000).map { #"{"id":\#($0),"v":[\#($0),1]}"# }.joined(separator: ",")
            #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(batch)]}"#).code == 0)
        }
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)

        // The load returns at once; the collection is Loading until its rows are in.
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        let during = try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)
        #expect(during["data"]?["loadState"] == "LoadStateLoading")
        let search = try s.call("entities/search", #"{"collectionName":"c","data":[[1,1]],"limit":1}"#)
        #expect(search.code == 101)
        #expect(search.message.contains("loading"), "\(search.message)")
        let described = try s.call("collections/describe", #"{"collectionName":"c"}"#)
        #expect(described["data"]?["load"] == "LoadStateLoading")
        // Writes go on during the load and are all there afterwards.
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[{"id":100000,"v":[5,5]},{"id":100001,"v":[6,6]}]}"#).code == 0)
        #expect(try s.call("entities/delete", #"{"collectionName":"c","filter":"id in [0, 1, 2]"}"#).code == 0)
        #expect(try s.call("entities/upsert", #"{"collectionName":"c","data":[{"id":10,"v":[-7,-7]}]}"#).code == 0)

        let states = try Self.waitLoaded(s, "c")
        #expect(states.first == "LoadStateLoading")
        #expect(try count(s) == Int64(rows + 2 - 3))
        let got = try s.call("entities/get", #"{"collectionName":"c","id":[0,1,10,100000,100001],"outputFields":["v"]}"#)
        let ids = got["data"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
        #expect(Set(ids) == [10, 100000, 100001])
        let nearest = try s.call("entities/search", #"{"collectionName":"c","data":[[-7,-7]],"limit":1}"#)
        #expect(nearest["data"]?[0]?["id"] == 10)

        // After a restart the collection loads in the background again, with every row.
        try s.restart()
        _ = try Self.waitLoaded(s, "c")
        #expect(try count(s) == Int64(rows + 2 - 3))
    }

    /// While the rows are being read, no index covers any of them: `indexes/describe` says so, and reaches
    /// every row once the load has read the saved graph.
    @Test func indexProgressDuringALoad() throws {
        let s = try ServerProcess(environment: ["SWIFTVEC_TEST_LOAD_PAUSE_MS": "5000"])
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexName":"v","indexType":"HNSW","metricType":"L2","params":{"M":8,"efConstruction":32}}]}"#).code == 0)
        // Enough rows for the load to run in the background.
        let rows = 20_000
        for start in stride(from: 0, to: rows, by: 5_000) {
            let batch = (start..<start + 5_000).map { #"{"id":\#($0),"v":[\#($0),1]}"# }.joined(separator: ",")
            #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(batch)]}"#).code == 0)
        }
        #expect(try s.call("collections/flush", #"{"collectionName":"c"}"#).code == 0)
        func progress() throws -> (state: String?, indexed: Int64?, total: Int64?) {
            let d = try s.call("indexes/describe", #"{"collectionName":"c","indexName":"v"}"#)["data"]?[0]
            return (d?["indexState"]?.stringValue, d?["indexedRows"]?.intValue, d?["totalRows"]?.intValue)
        }
        var built = false
        for _ in 0..<6000 where !built {  // up to 300 s for a debug build of 20,000 rows on a loaded machine
            built = try progress().indexed == Int64(rows)
            if !built { usleep(50_000) }
        }
        #expect(built, "the graph never covered the rows")
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        let during = try progress()
        #expect(during.state == "InProgress")
        #expect(during.indexed == 0)
        #expect(during.total == Int64(rows))
        _ = try Self.waitLoaded(s, "c")
        let after = try progress()
        #expect(after.state == "Finished")
        #expect(after.indexed == Int64(rows))
    }

    @Test func releaseDuringALoadWins() throws {
        let s = try ServerProcess(environment: ["SWIFTVEC_TEST_LOAD_PAUSE_MS": "800"])
        #expect(try s.call("collections/create", #"{"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexType":"FLAT","metricType":"L2"}]}"#).code == 0)
        let batch = (0..<25_000).map { #"{"id":\#($0),"v":[\#($0),1]}"# }.joined(separator: ",")
        #expect(try s.call("entities/insert", #"{"collectionName":"c","data":[\#(batch)]}"#).code == 0)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        #expect(try s.call("collections/release", #"{"collectionName":"c"}"#).code == 0)
        usleep(1_500_000)
        #expect(try s.call("collections/get_load_state", #"{"collectionName":"c"}"#)["data"]?["loadState"] == "LoadStateNotLoad")
        #expect(try s.call("entities/search", #"{"collectionName":"c","data":[[1,1]],"limit":1}"#).code == 101)
        // Loading again works.
        #expect(try s.call("collections/load", #"{"collectionName":"c"}"#).code == 0)
        _ = try Self.waitLoaded(s, "c")
        #expect(try count(s) == 25_000)
    }
}
