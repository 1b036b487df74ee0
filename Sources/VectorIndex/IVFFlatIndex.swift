import Glibc
import VectorCore

/// IVF_FLAT, as faiss's IndexIVFFlat: k-means centroids (the coarse quantiser) and one inverted list per
/// centroid holding its vectors, uncompressed and contiguous. A search scans the `nprobe` lists whose
/// centroids are nearest to the query.
///
/// Internal distances are smaller-is-better (L2, or negated inner products; COSINE on normalised vectors).
/// Immutable after `build`, so concurrent searches need no lock.
public final class IVFFlatIndex: @unchecked Sendable {
    public let metric: Metric
    public let dimension: Int
    public private(set) var count = 0
    public private(set) var nlist: Int
    private var centroids: [Float] = []
    private var lists: [[Float]] = []
    private var listIDs: [[UInt32]] = []
    public static let magic: [UInt8] = Array("SVIVFF01".utf8)

    public init(dimension: Int, nlist: Int, metric: Metric) {
        self.dimension = dimension
        self.nlist = max(1, nlist)
        self.metric = metric
    }

    public func prepare(_ query: [Float]) -> [Float] {
        guard metric == .cosine else { return query }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? query.map { $0 / norm } : query
    }

    public func reported(_ value: Float) -> Float { metric == .l2 ? value : -value }

    @inline(__always) private func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        metric == .l2 ? Distance.l2(a, b, dimension) : -Distance.dot(a, b, dimension)
    }

    /// The nearest centroid of each row, computed on `threads` threads.
    private func assign(_ rows: UnsafePointer<Float>, count n: Int, threads: Int) -> [Int] {
        var result = [Int](repeating: 0, count: n)
        let parts = max(1, min(threads, n / 256 + 1))
        centroids.withUnsafeBufferPointer { cp in
            result.withUnsafeMutableBufferPointer { out in
                let job = AssignJob(rows: rows, centroids: cp.baseAddress!, out: out.baseAddress!, n: n, k: nlist, dim: dimension, metric: metric)
                runParallel(parts) { p in job.run(from: n * p / parts, to: n * (p + 1) / parts) }
            }
        }
        return result
    }

    /// Trains the centroids (k-means on a sample of at most 64 × nlist rows, 10 iterations) and fills the
    /// lists with all `n` rows (already in the metric's form).
    public func build(_ rows: UnsafePointer<Float>, count n: Int, threads: Int, seed: UInt64 = 42) {
        count = n
        nlist = max(1, min(nlist, n))
        var rng = seed
        func next() -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: rng >> 33)
        }
        // The training sample: a deterministic random subset.
        let sampleSize = min(n, 64 * nlist)
        var sampleIDs = Array(0..<n)
        for i in 0..<sampleSize { sampleIDs.swapAt(i, i + next() % (n - i)) }
        var sample = [Float](repeating: 0, count: sampleSize * dimension)
        sample.withUnsafeMutableBufferPointer { s in
            for i in 0..<sampleSize { (s.baseAddress! + i * dimension).update(from: rows + sampleIDs[i] * dimension, count: dimension) }
        }
        centroids = Array(sample[0..<(nlist * dimension)])
        for _ in 0..<10 {
            let labels = sample.withUnsafeBufferPointer { assign($0.baseAddress!, count: sampleSize, threads: threads) }
            var sums = [Float](repeating: 0, count: nlist * dimension)
            var sizes = [Int](repeating: 0, count: nlist)
            for i in 0..<sampleSize {
                sizes[labels[i]] += 1
                for d in 0..<dimension { sums[labels[i] * dimension + d] += sample[i * dimension + d] }
            }
            for c in 0..<nlist {
                if sizes[c] == 0 {
                    // An empty cluster takes a random sample point.
                    let r = next() % sampleSize
                    for d in 0..<dimension { centroids[c * dimension + d] = sample[r * dimension + d] }
                    continue
                }
                for d in 0..<dimension { centroids[c * dimension + d] = sums[c * dimension + d] / Float(sizes[c]) }
                if metric == .cosine {
                    let row = Array(centroids[(c * dimension)..<((c + 1) * dimension)])
                    centroids.replaceSubrange((c * dimension)..<((c + 1) * dimension), with: prepare(row))
                }
            }
        }
        let labels = assign(rows, count: n, threads: threads)
        lists = Array(repeating: [], count: nlist)
        listIDs = Array(repeating: [], count: nlist)
        for i in 0..<n {
            lists[labels[i]].append(contentsOf: UnsafeBufferPointer(start: rows + i * dimension, count: dimension))
            listIDs[labels[i]].append(UInt32(i))
        }
    }

    public func search(_ query: UnsafePointer<Float>, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard count > 0, k > 0 else { return [] }
        let nprobe = max(1, min(parameters.nprobe, nlist))
        var probe = TopK(k: nprobe, metric: .l2)
        centroids.withUnsafeBufferPointer { cp in
            for c in 0..<nlist { probe.push(distance(query, cp.baseAddress! + c * dimension), c) }
        }
        var top = TopK(k: k, metric: .l2)
        for (_, list) in probe.sorted() {
            lists[list].withUnsafeBufferPointer { vp in
                let ids = listIDs[list]
                for j in 0..<ids.count {
                    if let allowed, !allowed(ids[j]) { continue }
                    top.push(distance(query, vp.baseAddress! + j * dimension), Int(ids[j]))
                }
            }
        }
        return top.sorted().map { (distance: $0.distance, id: UInt32($0.id)) }
    }

    public func serialized(payload: [UInt8]) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(1)
        out.append(UInt8(Metric.allCases.firstIndex(of: metric)!))
        u32(UInt32(dimension)); u32(UInt32(nlist)); u32(UInt32(count))
        u32(UInt32(payload.count)); out.append(contentsOf: payload)
        centroids.withUnsafeBytes { out.append(contentsOf: $0) }
        for l in 0..<nlist {
            u32(UInt32(listIDs[l].count))
            listIDs[l].withUnsafeBytes { out.append(contentsOf: $0) }
            lists[l].withUnsafeBytes { out.append(contentsOf: $0) }
        }
        let checksum = HNSWIndex.fnv1a(out[...])
        withUnsafeBytes(of: checksum.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    public static func deserialize(_ bytes: [UInt8]) -> (IVFFlatIndex, [UInt8])? {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        let body = bytes[..<(bytes.count - 8)]
        var stored: UInt64 = 0
        withUnsafeMutableBytes(of: &stored) { $0.copyBytes(from: bytes[(bytes.count - 8)...]) }
        guard UInt64(littleEndian: stored) == HNSWIndex.fnv1a(body) else { return nil }
        var offset = magic.count
        func u32() -> UInt32? {
            guard offset + 4 <= body.count else { return nil }
            var v: UInt32 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + 4)]) }
            offset += 4
            return UInt32(littleEndian: v)
        }
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, offset + n <= body.count else { return nil }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        guard u32() == 1, let m = take(1)?.first, Int(m) < Metric.allCases.count, let dim = u32(), let nlist = u32(), let count = u32(),
              dim >= 1, dim <= 65_536, nlist >= 1, Int(nlist) <= max(Int(count), 1),
              let payloadLength = u32(), let payload = take(Int(payloadLength)), let centroidBytes = take(Int(nlist) * Int(dim) * 4)
        else { return nil }
        let index = IVFFlatIndex(dimension: Int(dim), nlist: Int(nlist), metric: Metric.allCases[Int(m)])
        index.count = Int(count)
        index.centroids = centroidBytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        for _ in 0..<Int(nlist) {
            guard let size = u32(), let ids = take(Int(size) * 4), let vectors = take(Int(size) * Int(dim) * 4) else { return nil }
            let list = ids.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
            guard list.allSatisfy({ $0 < count }) else { return nil }
            index.listIDs.append(list)
            index.lists.append(vectors.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
        guard offset == body.count else { return nil }
        return (index, Array(payload))
    }
}

/// The assignment step of k-means over a slice of rows (read-only inputs, disjoint outputs).
struct AssignJob: @unchecked Sendable {
    let rows: UnsafePointer<Float>
    let centroids: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Int>
    let n: Int, k: Int, dim: Int
    let metric: Metric

    func run(from start: Int, to end: Int) {
        for i in start..<end {
            let r = rows + i * dim
            var best = 0
            var bestDistance = Float.infinity
            for c in 0..<k {
                let d = metric == .l2 ? Distance.l2(r, centroids + c * dim, dim) : -Distance.dot(r, centroids + c * dim, dim)
                if d < bestDistance {
                    bestDistance = d
                    best = c
                }
            }
            out[i] = best
        }
    }
}

/// Runs `body(0..<parts)` on `parts` threads (the caller's included) and waits for all.
func runParallel(_ parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard parts > 1 else {
        body(0)
        return
    }
    var handles: [pthread_t] = []
    for p in 1..<parts {
        var t = pthread_t()
        let box = Unmanaged.passRetained(WorkBox { body(p) }).toOpaque()
        pthread_create(&t, nil, { arg in
            Unmanaged<WorkBox>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, box)
        handles.append(t)
    }
    body(0)
    for t in handles { pthread_join(t, nil) }
}
