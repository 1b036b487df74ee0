import Glibc
import JSON
import Testing

@Suite("Durability of the catalog across restarts and crashes")
struct PersistenceTests {
    /// Everything the catalog routes can report, in one value, for before/after comparison.
    private func catalogSnapshot(_ s: ServerProcess) throws -> JSONValue {
        var result = JSONObject()
        let databases = try s.call("databases/list", "{}")["data"]?.arrayValue ?? []
        for db in databases {
            let name = db.stringValue!
            var entry = JSONObject()
            var described = try s.call("databases/describe", #"{"dbName":"\#(name)"}"#)["data"]?.objectValue ?? JSONObject()
            described["dbID"] = nil
            entry.append("describe", .object(described))
            for c in try s.call("collections/list", #"{"dbName":"\#(name)"}"#)["data"]?.arrayValue ?? [] {
                let cname = c.stringValue!
                let req = #"{"dbName":"\#(name)","collectionName":"\#(cname)"}"#
                var col = JSONObject()
                col.append("describe", try s.call("collections/describe", req))
                col.append("loadState", try s.call("collections/get_load_state", req))
                col.append("partitions", try s.call("partitions/list", req))
                var indexes: [JSONValue] = []
                for i in try s.call("indexes/list", req)["data"]?.arrayValue ?? [] {
                    indexes.append(try s.call("indexes/describe", #"{"dbName":"\#(name)","collectionName":"\#(cname)","indexName":"\#(i.stringValue!)"}"#))
                }
                col.append("indexes", .array(indexes))
                entry.append(cname, .object(col))
            }
            result.append(name, .object(entry))
        }
        return .object(result)
    }

    @Test func everythingReadsBackIdenticalAfterRestart() throws {
        let s = try ServerProcess()
        #expect(try s.call("databases/create", #"{"dbName":"shop","properties":{"database.max.collections":"5"}}"#).code == 0)
        #expect(try s.call("collections/create", #"{"collectionName":"quick","dimension":8,"metricType":"IP"}"#).code == 0)
        #expect(try s.call("collections/create", #"{"dbName":"shop","collectionName":"items","schema":{"autoID":true,"enableDynamicField":true,"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"title","dataType":"VarChar","elementTypeParams":{"max_length":100},"defaultValue":"untitled"},{"fieldName":"tags","dataType":"Array","elementDataType":"Int32","elementTypeParams":{"max_capacity":3}},{"fieldName":"emb","dataType":"FloatVector","elementTypeParams":{"dim":16}},{"fieldName":"sig","dataType":"BinaryVector","elementTypeParams":{"dim":32}}]},"indexParams":[{"fieldName":"emb","indexType":"IVF_FLAT","metricType":"L2","params":{"nlist":256}},{"fieldName":"sig","indexType":"BIN_FLAT","metricType":"HAMMING"}],"params":{"consistencyLevel":"Session"}}"#).code == 0)
        #expect(try s.call("partitions/create", #"{"dbName":"shop","collectionName":"items","partitionName":"winter"}"#).code == 0)
        #expect(try s.call("partitions/create", #"{"dbName":"shop","collectionName":"items","partitionName":"summer"}"#).code == 0)
        #expect(try s.call("partitions/release", #"{"dbName":"shop","collectionName":"items","partitionNames":["summer"]}"#).code == 0)
        #expect(try s.call("collections/alter_properties", #"{"dbName":"shop","collectionName":"items","properties":{"collection.ttl.seconds":"600"}}"#).code == 0)
        #expect(try s.call("indexes/alter_properties", #"{"dbName":"shop","collectionName":"items","indexName":"emb","properties":{"mmap.enabled":"true"}}"#).code == 0)
        #expect(try s.call("collections/release", #"{"collectionName":"quick"}"#).code == 0)
        #expect(try s.call("collections/rename", #"{"collectionName":"quick","newCollectionName":"renamed"}"#).code == 0)

        let before = try catalogSnapshot(s)
        #expect(before["shop"]?["items"]?["partitions"]?["data"] == ["_default", "winter", "summer"])
        try s.restart()
        let after = try catalogSnapshot(s)
        #expect(after == before)
        // And once more after a crash instead of a clean stop.
        try s.restart(signal: SIGKILL)
        #expect(try catalogSnapshot(s) == before)
    }

    @Test func anAcknowledgedCreateSurvivesSIGKILL() throws {
        let s = try ServerProcess()
        for round in 0..<5 {
            let name = "c\(round)"
            #expect(try s.call("collections/create", #"{"collectionName":"\#(name)","dimension":4}"#).code == 0)
            // Kill right after the acknowledgement: no chance to flush anything more.
            try s.restart(signal: SIGKILL)
            let has = try s.call("collections/has", #"{"collectionName":"\#(name)"}"#)
            #expect(has["data"]?["has"] == .bool(true), "round \(round)")
        }
        #expect(try s.call("collections/list", "{}")["data"]?.arrayValue?.count == 5)
    }

    @Test func killedInTheMiddleOfABurstKeepsEveryAcknowledgedCreate() throws {
        let s = try ServerProcess()
        // Another thread kills the server while creates are in flight; every create that was answered
        // with code 0 must be there afterwards, and nothing half-created may appear.
        let pid = s.pid
        var acknowledged: [String] = []
        // The killer starts at the first acknowledgement, so that a slow machine still has creates in flight.
        var killer: Thread?
        let client = s.client()
        for i in 0..<2000 {
            let name = "burst\(i)"
            guard let r = try? client.call("collections/create", #"{"collectionName":"\#(name)","dimension":4}"#) else { break }
            guard r.code == 0 else { continue }
            acknowledged.append(name)
            if killer == nil { killer = Thread(after: 0.15) { kill(pid, SIGKILL) } }
        }
        killer?.join()
        s.stop(signal: SIGKILL)
        try s.start()
        let listed = Set((try s.call("collections/list", "{}")["data"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(!acknowledged.isEmpty)
        #expect(Set(acknowledged).isSubset(of: listed))
        #expect(listed.count <= acknowledged.count + 1, "at most the one unacknowledged in-flight create may have landed")
        for name in listed {
            let d = try s.call("collections/describe", #"{"collectionName":"\#(name)"}"#)
            #expect(d["data"]?["indexes"]?.arrayValue?.count == 1, "\(name) is complete")
        }
    }

    @Test func theMapGrowsUnderLoadThroughTheAPI() throws {
        let s = try ServerProcess(arguments: ["--map-size", "64K"])
        let description = String(repeating: "d", count: 3000)
        for i in 0..<120 {
            let r = try s.call("collections/create", #"{"collectionName":"g\#(i)","dimension":4,"description":"\#(description)"}"#)
            #expect(r.code == 0, "\(r.message)")
        }
        try s.restart()
        #expect(try s.call("collections/list", "{}")["data"]?.arrayValue?.count == 120)
    }

    @Test func aFullDiskIsAClearErrorAndChangesNothing() throws {
        // A 1 MiB file-size limit stands in for a full disk: LMDB's writes past it fail with EFBIG.
        let s = try ServerProcess(arguments: ["--map-size", "64K"], shellPrefix: "ulimit -f 2048")
        let description = String(repeating: "x", count: 60_000)
        var failure: JSONValue?
        var created = 0
        for i in 0..<100 {
            let r = try s.call("collections/create", #"{"collectionName":"f\#(i)","dimension":4,"description":"\#(description)"}"#)
            if r.code != 0 {
                failure = r
                break
            }
            created += 1
        }
        let error = try #require(failure, "the file-size limit was never reached")
        #expect(error.code == 9)
        #expect(error.message.contains("disk"))
        #expect(s.isRunning)
        // The failed create left nothing; the server still answers reads and small writes keep failing cleanly.
        #expect(try s.call("collections/has", #"{"collectionName":"f\#(created)"}"#)["data"]?["has"] == .bool(false))
        #expect(try s.call("collections/list", "{}")["data"]?.arrayValue?.count == created)
        try s.restart()
        #expect(try s.call("collections/list", "{}")["data"]?.arrayValue?.count == created)
    }
}

/// A thread that runs a closure after a delay (Foundation-free).
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: () -> Void
    private let delay: Double

    init(after delay: Double, _ body: @escaping () -> Void) {
        self.body = body
        self.delay = delay
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&handle, nil, { arg in
            let me = Unmanaged<Thread>.fromOpaque(arg!).takeRetainedValue()
            usleep(UInt32(me.delay * 1_000_000))
            me.body()
            return nil
        }, unmanaged.toOpaque())
    }

    func join() { pthread_join(handle, nil) }
}
