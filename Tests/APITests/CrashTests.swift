import Glibc
import JSON
import Testing

@Suite("Crash safety of writes")
struct CrashTests {
    /// A client inserts and deletes in a loop while the server is SIGKILLed at random moments. After each
    /// restart every acknowledged write is there, every acknowledged delete is gone, and the request that
    /// was in flight is either wholly applied or not at all.
    @Test func acknowledgedWritesSurviveRepeatedSIGKILL() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":4,"params":{"enableDynamicField":false}}"#).code == 0)
        var rng = FilterConformanceTests.Random(state: 42)
        var present = Set<Int64>()   // acknowledged inserts not deleted since
        var nextID: Int64 = 1
        var rounds = 0
        var inFlightChecks = 0
        for _ in 0..<20 {
            let pid = s.pid
            let killer = Thread(after: Double(rng.int(20...250)) / 1000) { kill(pid, SIGKILL) }
            let client = s.client()
            var uncertain: (kind: String, ids: [Int64])?
            while true {
                let isDelete = !present.isEmpty && rng.chance(0.3)
                let ids: [Int64]
                let body: String
                if isDelete {
                    ids = Array(present.shuffled(using: &rng).prefix(Int(rng.int(1...5))))
                    body = #"{"collectionName":"c","filter":"id in [\#(ids.map(String.init).joined(separator: ","))]"}"#
                } else {
                    ids = (0..<Int64(rng.int(1...20))).map { nextID + $0 }
                    nextID += Int64(ids.count)
                    let rows = ids.map { #"{"id":\#($0),"vector":[\#($0),1,2,3]}"# }.joined(separator: ",")
                    body = #"{"collectionName":"c","data":[\#(rows)]}"#
                }
                let response = try? client.call(isDelete ? "entities/delete" : "entities/insert", body)
                guard let response, response.code == 0 else {
                    uncertain = (isDelete ? "delete" : "insert", ids)
                    break
                }
                if isDelete { present.subtract(ids) } else { present.formUnion(ids) }
            }
            killer.join()
            s.stop(signal: SIGKILL)
            try s.start()
            // Read back in id ranges: one query returns at most 16,384 rows, and the table can outgrow that.
            var rows: [JSONValue] = []
            for low in stride(from: Int64(0), to: nextID, by: 10_000) {
                let query = try s.call("entities/query", #"{"collectionName":"c","filter":"id > \#(low) and id <= \#(low + 10_000)","outputFields":["id","vector"],"limit":16384}"#)
                #expect(query.code == 0)
                rows += query["data"]?.arrayValue ?? []
            }
            let stored = Set(rows.compactMap { $0["id"]?.intValue })
            // Every stored row is intact.
            for row in rows {
                let id = row["id"]?.intValue ?? -1
                #expect(row["vector"] == [.int(id), 1, 2, 3], "row \(id) is intact")
            }
            var expected = present
            if let uncertain {
                let applied = uncertain.kind == "insert" ? uncertain.ids.filter(stored.contains) : uncertain.ids.filter { !stored.contains($0) }
                #expect(applied.isEmpty || applied.count == uncertain.ids.count, "the in-flight \(uncertain.kind) is all or nothing")
                if !applied.isEmpty {
                    inFlightChecks += 1
                    if uncertain.kind == "insert" { expected.formUnion(uncertain.ids) } else { expected.subtract(uncertain.ids) }
                }
            }
            #expect(stored == expected, "missing \(expected.subtracting(stored).sorted().prefix(5)), unexpected \(stored.subtracting(expected).sorted().prefix(5))")
            present = stored
            rounds += 1
        }
        #expect(rounds == 20)
        #expect(present.count > 50, "the loop wrote something in each round")
        _ = inFlightChecks
    }

    /// Concurrent writers share commits, and each one's rows are all there afterwards.
    @Test func concurrentWritersAllLand() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", #"{"collectionName":"c","dimension":2}"#).code == 0)
        let writers = 8, batches = 25, perBatch = 10
        let failures = ResultCounter()
        var threads: [Thread] = []
        for w in 0..<writers {
            let port = s.port
            threads.append(Thread(after: 0) {
                let client = HTTPClient(port: port)
                for b in 0..<batches {
                    let rows = (0..<perBatch).map { i in #"{"id":\#(w * 100_000 + b * 100 + i),"vector":[1,2]}"# }.joined(separator: ",")
                    if (try? client.call("entities/insert", #"{"collectionName":"c","data":[\#(rows)]}"#))?.code != 0 { failures.add() }
                }
            })
        }
        threads.forEach { $0.join() }
        #expect(failures.value == 0)
        let count = try s.call("entities/query", #"{"collectionName":"c","outputFields":["count(*)"]}"#)
        #expect(count["data"] == [["count(*)": .int(Int64(writers * batches * perBatch))]])
        try s.restart(signal: SIGKILL)
        #expect(try s.call("entities/query", #"{"collectionName":"c","outputFields":["count(*)"]}"#)["data"] == [["count(*)": .int(Int64(writers * batches * perBatch))]])
    }
}

final class ResultCounter: @unchecked Sendable {
    private var count = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func add() { pthread_mutex_lock(&lock); count += 1; pthread_mutex_unlock(&lock) }
    var value: Int { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return count }
}

extension FilterConformanceTests.Random: RandomNumberGenerator {}
