import Glibc
import Testing
import VectorCore
@testable import VectorIndex

/// Saving streams an index to its file: the file holds exactly the bytes `serialized` gives in memory (the
/// format every reader checks), for each index type, with sections larger than the writer's buffer.
@Suite struct IndexFileWriteTests {
    /// The checksum fed in pieces of any size equals the one computed at once.
    @Test func checksumIsTheSameHoweverTheInputIsCut() {
        var g = SplitMix(state: 61)
        let bytes = (0..<1_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let whole = bytes.withUnsafeBytes { HNSWIndex.fnv1a($0) }
        // Pinned: the sum of the files written before the checksum was fed in pieces (words of eight bytes,
        // little-endian, then the tail byte by byte), computed by a separate implementation, so older
        // files still read.
        let fixed = (0..<1003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        #expect(fixed.withUnsafeBytes { HNSWIndex.fnv1a($0) } == 0xdfa7_9a31_6bc6_4ed2)
        for _ in 0..<50 {
            var sum = FNV1a()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int(g.next() % 20))
                bytes[start..<end].withUnsafeBytes { sum.update($0) }
                start = end
            }
            #expect(sum.value == whole)
        }
    }

    static func written(_ index: any VectorSearchIndex, payload: [UInt8]) throws -> [UInt8] {
        let path = "/tmp/swiftvec-write-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).index"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { unlink(path) }
        #expect(index.write(payload: payload, to: fd))
        close(fd)
        let region = try #require(FileRegion(path: path))
        return Array(region.bytes)
    }

    @Test func filesHoldWhatSerialisationGives() throws {
        let payload: [UInt8] = [1, 2, 3, 4, 5]  // an odd length, so later sections start unaligned
        // HNSW: 3,000 rows of 130 floats (1.5 MiB of vectors, above the 1 MiB buffer).
        let dim = 130, n = 3_000
        let rows = HNSWRecallTests.clustered(count: n, dim: dim, clusters: 8, seed: 62).flatMap { $0 }
        let hnsw = HNSWIndex(dimension: dim, capacity: n, m: 8, efConstruction: 32, metric: .l2)
        rows.withUnsafeBufferPointer { hnsw.addAll($0.baseAddress!, count: n, threads: 2) }
        // IVF_FLAT and IVF_SQ8 over the same rows.
        let flat = IVFIndex(dimension: dim, nlist: 16, metric: .cosine, encoding: .flat)
        let sq8 = IVFIndex(dimension: dim, nlist: 16, metric: .l2, encoding: .scalar8)
        for index in [flat, sq8] { rows.withUnsafeBufferPointer { index.build($0.baseAddress!, count: n, threads: 2) } }
        // Binary IVF and a sparse inverted index, small.
        let binary = BinaryIVFIndex(dimension: 64, nlist: 4, metric: .hamming)
        let packed = (0..<200 * 8).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        packed.withUnsafeBytes { binary.build($0.baseAddress!, count: 200, threads: 1) }
        let sparse = SparseInvertedIndex()
        sparse.build(rowStarts: [0, 2, 3], indices: [1, 7, 3], values: [0.5, 0.25, 1])
        for index in [hnsw, flat, sq8, binary, sparse] as [any VectorSearchIndex] {
            let inMemory = index.serialized(payload: payload)
            let file = try Self.written(index, payload: payload)
            #expect(file == inMemory, "\(type(of: index)): \(file.count) bytes written, \(inMemory.count) serialised")
            #expect(IndexFile.deserialize(FileRegion(copying: file)) != nil, "\(type(of: index)) reads back")
        }
    }

    /// A write that fails (a descriptor open for reading only) is reported, not taken as saved.
    @Test func aFailedWriteIsReported() throws {
        let hnsw = HNSWIndex(dimension: 4, capacity: 2, m: 4, efConstruction: 8, metric: .l2)
        [Float](repeating: 1, count: 8).withUnsafeBufferPointer { hnsw.addAll($0.baseAddress!, count: 2, threads: 1) }
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(!hnsw.write(payload: [], to: fd))
    }
}
