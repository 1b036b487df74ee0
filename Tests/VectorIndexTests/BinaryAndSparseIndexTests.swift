import Testing
import VectorCore
@testable import VectorIndex

/// BIN_IVF_FLAT and SPARSE_INVERTED_INDEX against exact search on the same data.
@Suite struct BinaryAndSparseIndexTests {
    /// Clustered bit strings: `clusters` random centres, each row a centre with ~8% of its bits flipped.
    static func clusteredBits(count: Int, bytes: Int, clusters: Int, seed: UInt64) -> [[UInt8]] {
        var g = SplitMix(state: seed)
        let centres = (0..<clusters).map { _ in (0..<bytes).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
        return (0..<count).map { _ in
            centres[Int(g.next() % UInt64(clusters))].map { byte in
                var b = byte
                for bit in 0..<8 where g.next() % 100 < 8 { b ^= 1 << bit }
                return b
            }
        }
    }

    static func exactBinary(_ rows: [[UInt8]], _ q: [UInt8], k: Int, metric: Metric, allowed: (Int) -> Bool = { _ in true }) -> [Int] {
        let scored: [(Float, Int)] = rows.indices.filter(allowed).map { i in (distance(q, rows[i], metric: metric), i) }
        return scored.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(k).map(\.1)
    }

    static func distance(_ a: [UInt8], _ b: [UInt8], metric: Metric) -> Float {
        a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                metric == .jaccard ? Distance.jaccard(x.baseAddress!, y.baseAddress!, a.count) : Distance.hamming(x.baseAddress!, y.baseAddress!, a.count)
            }
        }
    }

    /// Recall counted by distance: a hit tied with the k-th exact distance counts (bit distances tie often).
    static func binaryRecall(_ found: [(distance: Float, id: UInt32)], _ truth: [Int], _ rows: [[UInt8]], _ q: [UInt8], metric: Metric) -> Int {
        guard let kth = truth.last else { return 0 }
        let limit = distance(q, rows[kth], metric: metric)
        return min(found.filter { $0.distance <= limit }.count, truth.count)
    }

    @Test(arguments: [Metric.hamming, .jaccard])
    func binaryIVFRecallAgainstFlat(metric: Metric) {
        let bytes = 16, n = 3000, k = 10
        let rows = Self.clusteredBits(count: n, bytes: bytes, clusters: 30, seed: 3)
        let index = BinaryIVFIndex(dimension: bytes * 8, nlist: 32, metric: metric)
        let packed = rows.flatMap { $0 }
        packed.withUnsafeBytes { index.build($0.baseAddress!, count: n, threads: 2) }
        let queries = Self.clusteredBits(count: 50, bytes: bytes, clusters: 30, seed: 3 + 1000).prefix(50)
        var hits = 0, filteredHits = 0, filteredTotal = 0
        for q in queries {
            let found = q.withUnsafeBytes { index.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(nprobe: 8), allowed: nil) }
            #expect(found.count == k)
            hits += Self.binaryRecall(found, Self.exactBinary(rows, q, k: k, metric: metric), rows, q, metric: metric)
            let allowed: (Int) -> Bool = { $0 % 2 == 0 }
            let filtered = q.withUnsafeBytes {
                index.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(nprobe: 8), allowed: { allowed(Int($0)) })
            }
            #expect(filtered.allSatisfy { allowed(Int($0.id)) })
            let truth = Self.exactBinary(rows, q, k: k, metric: metric, allowed: allowed)
            filteredHits += Self.binaryRecall(filtered, truth, rows, q, metric: metric)
            filteredTotal += truth.count
            // Every list probed: exact distances.
            let all = q.withUnsafeBytes { index.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(nprobe: 32), allowed: nil) }
            #expect(Self.binaryRecall(all, Self.exactBinary(rows, q, k: k, metric: metric), rows, q, metric: metric) == k)
            // A rare filter: further lists are probed until k rows are found.
            let rare = q.withUnsafeBytes { index.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(nprobe: 1), allowed: { $0 % 97 == 0 }) }
            #expect(rare.count == k && rare.allSatisfy { $0.id % 97 == 0 }, "\(metric): \(rare.count) rows")
        }
        #expect(Double(hits) / Double(queries.count * k) >= 0.9, "BIN_IVF_FLAT \(metric)")
        #expect(Double(filteredHits) / Double(filteredTotal) >= 0.9, "BIN_IVF_FLAT filtered \(metric)")
        // Round trip and damage.
        let file = index.serialized(payload: [4, 2])
        guard let (copy, payload) = IndexFile.deserialize(file) else {
            Issue.record("BIN_IVF_FLAT file must load")
            return
        }
        #expect(payload == [4, 2] && copy.count == n && copy.dimension == bytes * 8)
        let q = queries.first!
        let before = q.withUnsafeBytes { index.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(), allowed: nil) }
        let after = q.withUnsafeBytes { copy.search(.binary($0.baseAddress!), k: k, parameters: SearchParameters(), allowed: nil) }
        #expect(before.map(\.id) == after.map(\.id))
        var damaged = file
        damaged[file.count / 2] ^= 0x10
        #expect(IndexFile.deserialize(damaged) == nil)
    }

    /// Random sparse rows: 5–30 of 1,000 dimensions, values in (0, 1].
    static func sparseRows(count: Int, seed: UInt64) -> [(indices: [UInt32], values: [Float])] {
        var g = SplitMix(state: seed)
        return (0..<count).map { _ in
            let n = 5 + Int(g.next() % 26)
            let dims = Set((0..<n).map { _ in UInt32(g.next() % 1000) }).sorted()
            return (dims, dims.map { _ in max(g.uniform(), 0.01) })
        }
    }

    static func dot(_ a: (indices: [UInt32], values: [Float]), _ b: (indices: [UInt32], values: [Float])) -> Float {
        var sum: Float = 0
        for (i, d) in a.indices.enumerated() { if let j = b.indices.firstIndex(of: d) { sum += a.values[i] * b.values[j] } }
        return sum
    }

    /// A sparse inverted index over `rows`.
    static func sparseIndex(_ rows: [(indices: [UInt32], values: [Float])]) -> SparseInvertedIndex {
        var starts = [0], indices: [UInt32] = [], values: [Float] = []
        for r in rows {
            indices += r.indices
            values += r.values
            starts.append(indices.count)
        }
        let index = SparseInvertedIndex()
        index.build(rowStarts: starts, indices: indices, values: values)
        return index
    }

    @Test func sparseInvertedIndexIsExactAtDropRatioZero() {
        let n = 2000, k = 10
        let rows = Self.sparseRows(count: n, seed: 11)
        let index = Self.sparseIndex(rows)
        for q in Self.sparseRows(count: 30, seed: 12) {
            let allowed: (Int) -> Bool = { $0 % 3 != 0 }
            let found = q.indices.withUnsafeBufferPointer { i in q.values.withUnsafeBufferPointer { v in
                index.search(.sparse(indices: i, values: v), k: k, parameters: SearchParameters(), allowed: { allowed(Int($0)) })
            } }
            let truth = rows.indices.filter(allowed).map { (Self.dot(q, rows[$0]), $0) }.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 > $1.0 }.prefix(k)
            #expect(found.map { Int($0.id) } == truth.map(\.1))
            for (hit, t) in zip(found, truth) { #expect(abs(index.reported(hit.distance) - t.0) < 1e-4) }
        }
        // A search that drops most of the query still answers, from the largest query values.
        let q = rows[5]
        let dropped = q.indices.withUnsafeBufferPointer { i in q.values.withUnsafeBufferPointer { v in
            index.search(.sparse(indices: i, values: v), k: 1, parameters: SearchParameters(dropRatio: 0.5), allowed: nil)
        } }
        #expect(dropped.count == 1)
        // Round trip and damage.
        let file = index.serialized(payload: [1])
        guard let (copy, payload) = IndexFile.deserialize(file) else {
            Issue.record("sparse file must load")
            return
        }
        #expect(payload == [1] && copy.count == n)
        let again = q.indices.withUnsafeBufferPointer { i in q.values.withUnsafeBufferPointer { v in
            copy.search(.sparse(indices: i, values: v), k: k, parameters: SearchParameters(), allowed: nil)
        } }
        #expect(again.first?.id == 5)
        var damaged = file
        damaged[file.count / 2] ^= 0x01
        #expect(IndexFile.deserialize(damaged) == nil)
    }

    @Test func dropRatioBuildLeavesOutEachRowsSmallestValues() {
        let index = SparseInvertedIndex(dropRatioBuild: 0.5)
        // One row: dims 1..4 with values 0.1, 0.4, 0.2, 0.3 → 0.1 and 0.2 are dropped.
        index.build(rowStarts: [0, 4], indices: [1, 2, 3, 4], values: [0.1, 0.4, 0.2, 0.3])
        #expect(index.dims == [2, 4])
    }
}
