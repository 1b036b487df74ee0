import VectorCore

/// BIN_IVF_FLAT, as faiss's IndexBinaryIVF: binary centroids trained by k-majority (assign by Hamming
/// distance, then each centroid bit is the majority of its members' bits), one list of packed rows per
/// centroid, and a search that scans the `nprobe` lists nearest to the query by Hamming distance, comparing
/// rows with the index's metric (HAMMING or JACCARD; both smaller-is-better).
///
/// Immutable after `build`, so concurrent searches need no lock.
public final class BinaryIVFIndex: @unchecked Sendable {
    public let metric: Metric
    /// Bits per vector.
    public let dimension: Int
    public private(set) var count = 0
    public private(set) var nlist: Int
    let bytes: Int
    var centroids: [UInt8] = []
    /// Per list: its rows' packed bits, contiguously, and their ids.
    var codes: [[UInt8]] = []
    var listIDs: [[UInt32]] = []

    public init(dimension: Int, nlist: Int, metric: Metric) {
        self.dimension = dimension
        self.nlist = max(1, nlist)
        self.metric = metric
        bytes = (dimension + 7) / 8
    }

    /// Trains the centroids on (a sample of) `rows` and fills the lists; `rows` holds `n` packed vectors.
    public func build(_ rows: UnsafeRawPointer, count n: Int, threads: Int, seed: UInt64 = 42) {
        count = n
        guard n > 0 else {
            nlist = 1
            centroids = [UInt8](repeating: 0, count: bytes)
            codes = [[]]
            listIDs = [[]]
            return
        }
        nlist = min(nlist, n)
        // As faiss, at most 256 training rows per centroid.
        let sample = KMeans.randomSubset(of: n, size: min(n, nlist * 256), seed: seed)
        var training = [UInt8](repeating: 0, count: sample.count * bytes)
        training.withUnsafeMutableBytes { t in
            for (k, r) in sample.enumerated() { (t.baseAddress! + k * bytes).copyMemory(from: rows + r * bytes, byteCount: bytes) }
        }
        centroids = training.withUnsafeBytes { train($0.baseAddress!, count: sample.count, iterations: 10, threads: threads, seed: seed) }
        let labels = centroids.withUnsafeBytes { assign(rows, count: n, centroids: $0.baseAddress!, threads: threads) }
        codes = Array(repeating: [], count: nlist)
        listIDs = Array(repeating: [], count: nlist)
        for i in 0..<n {
            codes[labels[i]].append(contentsOf: UnsafeRawBufferPointer(start: rows + i * bytes, count: bytes))
            listIDs[labels[i]].append(UInt32(i))
        }
    }

    /// k-majority over `n` packed rows: deterministic seeds, then rounds of Hamming assignment and
    /// per-bit majority votes. An empty cluster takes a random row.
    private func train(_ rows: UnsafeRawPointer, count n: Int, iterations: Int, threads: Int, seed: UInt64) -> [UInt8] {
        let seeds = KMeans.randomSubset(of: n, size: nlist, seed: seed &+ 1)
        var centroids = [UInt8](repeating: 0, count: nlist * bytes)
        centroids.withUnsafeMutableBytes { c in
            for (k, r) in seeds.enumerated() { (c.baseAddress! + k * bytes).copyMemory(from: rows + r * bytes, byteCount: bytes) }
        }
        var rng = seed
        let bits = bytes * 8
        for _ in 0..<iterations {
            let labels = centroids.withUnsafeBytes { assign(rows, count: n, centroids: $0.baseAddress!, threads: threads) }
            var ones = [Int32](repeating: 0, count: nlist * bits)
            var sizes = [Int32](repeating: 0, count: nlist)
            for i in 0..<n {
                let c = labels[i]
                sizes[c] += 1
                let row = rows + i * bytes
                for byte in 0..<bytes {
                    var v = row.load(fromByteOffset: byte, as: UInt8.self)
                    while v != 0 {
                        ones[c * bits + byte * 8 + v.trailingZeroBitCount] += 1
                        v &= v - 1
                    }
                }
            }
            for c in 0..<nlist {
                if sizes[c] == 0 {
                    rng = rng &* 6364136223846793005 &+ 1442695040888963407
                    let r = Int(truncatingIfNeeded: rng >> 33) % n
                    for byte in 0..<bytes { centroids[c * bytes + byte] = rows.load(fromByteOffset: r * bytes + byte, as: UInt8.self) }
                    continue
                }
                for byte in 0..<bytes {
                    var v: UInt8 = 0
                    for bit in 0..<8 where ones[c * bits + byte * 8 + bit] * 2 > sizes[c] { v |= 1 << bit }
                    centroids[c * bytes + byte] = v
                }
            }
        }
        return centroids
    }

    /// The nearest centroid (Hamming) of each row, on `threads` threads.
    private func assign(_ rows: UnsafeRawPointer, count n: Int, centroids: UnsafeRawPointer, threads: Int) -> [Int] {
        var result = [Int](repeating: 0, count: n)
        let parts = max(1, min(threads, n / 256 + 1))
        result.withUnsafeMutableBufferPointer { out in
            let job = BinaryAssignJob(rows: rows, centroids: centroids, out: out.baseAddress!, k: nlist, bytes: bytes)
            runParallel(parts) { p in job.run(from: n * p / parts, to: n * (p + 1) / parts) }
        }
        return result
    }
}

/// The Hamming assignment step over a slice of rows (read-only inputs, disjoint outputs).
struct BinaryAssignJob: @unchecked Sendable {
    let rows: UnsafeRawPointer
    let centroids: UnsafeRawPointer
    let out: UnsafeMutablePointer<Int>
    let k: Int, bytes: Int

    func run(from start: Int, to end: Int) {
        for i in start..<end {
            let row = rows + i * bytes
            var best = 0
            var bestDistance = Float.infinity
            for c in 0..<k {
                let d = Distance.hamming(row, centroids + c * bytes, bytes)
                if d < bestDistance {
                    bestDistance = d
                    best = c
                }
            }
            out[i] = best
        }
    }
}

extension BinaryIVFIndex: VectorSearchIndex {
    public func search(_ query: IndexQuery, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard case .binary(let q) = query, count > 0, k > 0 else { return [] }
        let nprobe = max(1, min(parameters.nprobe, nlist))
        var distances = [Float](repeating: 0, count: nlist)
        centroids.withUnsafeBytes { c in
            for list in 0..<nlist { distances[list] = Distance.hamming(q, c.baseAddress! + list * bytes, bytes) }
        }
        var nearest = TopK(k: nprobe, metric: .hamming)
        for list in 0..<nlist { nearest.push(distances[list], list) }
        var scan = ListScan(k: k)
        let jaccard = metric == .jaccard
        func probe(_ lists: some Sequence<Int>) {
            for list in lists {
                listIDs[list].withUnsafeBufferPointer { ids in
                    codes[list].withUnsafeBytes { raw in
                        guard let base = raw.baseAddress else { return }
                        for j in 0..<ids.count {
                            if let allowed, !allowed(ids[j]) { continue }
                            let row = base + j * bytes
                            scan.offer(jaccard ? Distance.jaccard(q, row, bytes) : Distance.hamming(q, row, bytes), ids[j])
                        }
                    }
                }
            }
        }
        let first = nearest.sorted().map(\.id)
        probe(first)
        // As in IVFIndex: a filter that leaves fewer than k rows in the nearest lists probes further ones.
        if allowed != nil {
            probeFurther(lists: nlist, after: first, score: { distances[$0] }, while: { scan.top.count < k }) { probe($0) }
        }
        return scan.top.sorted().map { (distance: $0.distance, id: UInt32($0.id)) }
    }

    /// No preparation: binary queries are used as they are.
    public func prepare(_ query: [Float]) -> [Float] { query }
}

/// The on-disk form: magic "SVBIVF01", format version, metric, dimension (bits), nlist, count, the caller's
/// payload, the centroids, then per list its ids and packed rows; a checksum last.
extension BinaryIVFIndex {
    public static let magic: [UInt8] = Array("SVBIVF01".utf8)

    public func serialized(payload: [UInt8]) -> [UInt8] { IndexWriter.bytes(magic: Self.magic) { encode(payload, into: &$0) } }

    public func write(payload: [UInt8], to fd: Int32) -> Bool { IndexWriter.stream(magic: Self.magic, to: fd) { encode(payload, into: &$0) } }

    private func encode(_ payload: [UInt8], into w: inout IndexWriter) {
        w.u32(1)
        w.u8(UInt8(Metric.allCases.firstIndex(of: metric)!))
        w.u32(dimension); w.u32(nlist); w.u32(count)
        w.array(payload)
        w.raw(centroids)
        for list in 0..<nlist {
            w.array(listIDs[list])
            w.raw(codes[list])
        }
    }

    /// An index and its payload; nil if the bytes are damaged or inconsistent (every id exactly once).
    public static func deserialize(_ bytes: UnsafeRawBufferPointer) -> (BinaryIVFIndex, [UInt8])? {
        guard var r = IndexReader(bytes, magic: magic), r.u32() == 1, let metricIndex = r.u8(), Int(metricIndex) < Metric.allCases.count,
              let dim = r.u32(), dim >= 1, dim <= 65_536, let nlist = r.u32(), nlist >= 1, let count = r.u32(), nlist <= max(count, 1),
              let payload = r.array(UInt8.self) else { return nil }
        let index = BinaryIVFIndex(dimension: dim, nlist: nlist, metric: Metric.allCases[Int(metricIndex)])
        index.count = count
        guard let centroids = r.raw(UInt8.self, count: nlist * index.bytes) else { return nil }
        index.centroids = centroids
        var seen = [Bool](repeating: false, count: count)
        for _ in 0..<nlist {
            guard let ids = r.array(UInt32.self), let codes = r.raw(UInt8.self, count: ids.count * index.bytes) else { return nil }
            for id in ids {
                guard Int(id) < count, !seen[Int(id)] else { return nil }
                seen[Int(id)] = true
            }
            index.listIDs.append(ids)
            index.codes.append(codes)
        }
        guard r.isAtEnd, !seen.contains(false) else { return nil }
        return (index, payload)
    }
}
