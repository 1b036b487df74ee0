import Glibc
import Storage
import Testing

/// A temporary directory removed at the end of the test.
final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/swiftvec-storage-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { _ = system("rm -rf '\(path)'") }
}

@Suite struct LMDBEnvironmentTests {
    @Test func writesAreReadBackAfterReopening() throws {
        let dir = TemporaryDirectory()
        do {
            let env = try LMDBEnvironment(directory: dir.path + "/env")
            try env.write { txn in
                try txn.put(.catalog, StorageKey.catalog(kind: 1, id: 7), [1, 2, 3])
                _ = try txn.nextOperationNumber()
            }
            env.close()
        }
        let env = try LMDBEnvironment(directory: dir.path + "/env")
        #expect(try env.read { try $0.get(.catalog, StorageKey.catalog(kind: 1, id: 7)) } == [1, 2, 3])
        #expect(try env.write { try $0.nextOperationNumber() } == 2)
    }

    @Test func aThrowingWriteChangesNothing() throws {
        let dir = TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try env.write { txn in
                try txn.put(.catalog, [9], [9])
                throw Boom()
            }
        }
        #expect(try env.read { try $0.get(.catalog, [9]) } == nil)
    }

    @Test func scanVisitsAPrefixInBigEndianIdOrder() throws {
        let dir = TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path)
        let ids: [Int64] = [300, 2, 1 << 40, 70_000, 1]
        try env.write { txn in
            for id in ids { try txn.put(.catalog, StorageKey.catalog(kind: UInt8(ascii: "C"), id: id), [0]) }
            try txn.put(.catalog, StorageKey.catalog(kind: UInt8(ascii: "D"), id: 5), [0])
        }
        var seen: [Int64] = []
        try env.read { txn in
            try txn.scan(.catalog, prefix: [UInt8(ascii: "C")]) { key, _ in
                seen.append(Int64(bitPattern: StorageKey.readBigEndian(key, at: 1)))
                return true
            }
        }
        #expect(seen == ids.sorted())
    }

    @Test func theMapGrowsWhenFull() throws {
        let dir = TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path, mapSize: 64 << 10)
        let start = env.currentMapSize
        let value = [UInt8](repeating: 0xAB, count: 2000)
        for i in 0..<300 {
            try env.write { txn in try txn.put(.catalog, StorageKey.catalog(kind: 1, id: Int64(i)), value) }
        }
        #expect(env.currentMapSize > start)
        let count = try env.read { txn in
            var n = 0
            try txn.scan(.catalog) { _, v in
                n += v.count == 2000 ? 1 : 0
                return true
            }
            return n
        }
        #expect(count == 300)
    }

    @Test func aCappedMapReportsMapFull() throws {
        let dir = TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path, mapSize: 64 << 10, maxMapSize: 128 << 10)
        let value = [UInt8](repeating: 1, count: 4000)
        var failure: StorageError?
        for i in 0..<200 {
            do {
                try env.write { txn in try txn.put(.catalog, StorageKey.catalog(kind: 1, id: Int64(i)), value) }
            } catch let e as StorageError {
                failure = e
                break
            }
        }
        guard case .mapFull = failure else {
            Issue.record("expected mapFull, got \(String(describing: failure))")
            return
        }
        // Earlier writes are intact and the environment still works for reads.
        #expect(try env.read { try $0.get(.catalog, StorageKey.catalog(kind: 1, id: 0)) } == value)
    }

    @Test func aSecondOpenOfTheSameDirectoryIsRefused() throws {
        let dir = TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path)
        #expect(throws: StorageError.locked(path: dir.path)) { try LMDBEnvironment(directory: dir.path) }
        env.close()
        _ = try LMDBEnvironment(directory: dir.path)
    }

    @Test func recordsRoundTripAndTruncationIsDetected() throws {
        var w = RecordWriter()
        w.write(UInt8(1))
        w.write(Int64.min)
        w.write("héllo")
        w.write(["a", "b"])
        w.write(3.25)
        var r = RecordReader(w.bytes, what: "test")
        #expect(try r.readUInt8() == 1)
        #expect(try r.readInt64() == Int64.min)
        #expect(try r.readString() == "héllo")
        #expect(try r.readStrings() == ["a", "b"])
        #expect(try r.readDouble() == 3.25)
        #expect(r.isAtEnd)
        var truncated = RecordReader(Array(w.bytes.prefix(12)), what: "test")
        _ = try truncated.readUInt8()
        _ = try truncated.readInt64()
        #expect(throws: StorageError.self) { try truncated.readString() }
    }
}
