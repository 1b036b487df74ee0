import CVectorSupport
import Glibc
import VectorCore

/// Lloyd's k-means for the IVF family: the coarse quantiser's centroids and IVF_PQ's sub-codebooks.
enum KMeans {
    /// `k` centroids of `n` rows of `dim` floats: seeded with a deterministic random sample, then
    /// `iterations` rounds of assignment (on `threads` threads) and averaging. With `spherical` (COSINE and
    /// IP, whose rows are compared by inner product) the centroids are renormalised after each round.
    static func train(_ rows: UnsafePointer<Float>, count n: Int, dim: Int, k requested: Int, iterations: Int, threads: Int,
                      spherical: Bool, innerProduct: Bool, seed: UInt64) -> [Float] {
        let k = max(1, min(requested, n))
        var rng = seed
        func next() -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: rng >> 33)
        }
        let order = randomSubset(of: n, size: k, seed: seed)
        var centroids = [Float](repeating: 0, count: k * dim)
        centroids.withUnsafeMutableBufferPointer { c in
            for i in 0..<k { (c.baseAddress! + i * dim).update(from: rows + order[i] * dim, count: dim) }
        }
        for _ in 0..<iterations {
            let labels = centroids.withUnsafeBufferPointer {
                assign(rows, count: n, centroids: $0.baseAddress!, k: k, dim: dim, innerProduct: innerProduct, threads: threads)
            }
            var sums = [Double](repeating: 0, count: k * dim)
            var sizes = [Int](repeating: 0, count: k)
            sums.withUnsafeMutableBufferPointer { s in
                for i in 0..<n {
                    let c = labels[i]
                    sizes[c] += 1
                    let row = rows + i * dim, target = s.baseAddress! + c * dim
                    for d in 0..<dim { target[d] += Double(row[d]) }
                }
            }
            for c in 0..<k {
                // An empty cluster takes a random row.
                if sizes[c] == 0 {
                    let r = next() % n
                    for d in 0..<dim { centroids[c * dim + d] = rows[r * dim + d] }
                    continue
                }
                var norm: Float = 0
                for d in 0..<dim {
                    let v = Float(sums[c * dim + d] / Double(sizes[c]))
                    centroids[c * dim + d] = v
                    norm += v * v
                }
                if spherical, norm > 0 {
                    let scale = 1 / norm.squareRoot()
                    for d in 0..<dim { centroids[c * dim + d] *= scale }
                }
            }
        }
        return centroids
    }

    /// `size` distinct row numbers below `n`, drawn deterministically from `seed` (a partial Fisher–Yates).
    static func randomSubset(of n: Int, size: Int, seed: UInt64) -> [Int] {
        var rng = seed
        var ids = Array(0..<n)
        for i in 0..<size {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            ids.swapAt(i, i + Int(truncatingIfNeeded: rng >> 33) % (n - i))
        }
        return Array(ids.prefix(size))
    }

    /// The nearest centroid of each row (L2, or the largest inner product), computed on `threads` threads by
    /// the blocked C kernel (`svx_nearest16`: four rows against sixteen centroids at a time, no sum reduced
    /// across lanes), which took the IVF build's assignments from one kernel call per row and centroid.
    static func assign(_ rows: UnsafePointer<Float>, count n: Int, centroids: UnsafePointer<Float>, k: Int, dim: Int,
                       innerProduct: Bool, threads: Int) -> [Int] {
        let padded = (k + 15) / 16 * 16
        var blocks = [Float](repeating: 0, count: padded * dim)
        var bias = [Float](repeating: 0, count: padded)
        svx_transpose16(centroids, k, dim, innerProduct ? 1 : 0, &blocks, &bias)
        var labels = [Int32](repeating: 0, count: n)
        let parts = max(1, min(threads, n / 256 + 1))
        labels.withUnsafeMutableBufferPointer { out in
            blocks.withUnsafeBufferPointer { blocks in
                bias.withUnsafeBufferPointer { bias in
                    let job = AssignJob(rows: rows, blocks: blocks.baseAddress!, bias: bias.baseAddress!, out: out.baseAddress!, k: k, dim: dim,
                                        innerProduct: innerProduct)
                    runParallel(parts) { p in job.run(from: n * p / parts, to: n * (p + 1) / parts) }
                }
            }
        }
        return labels.map(Int.init)
    }
}

/// The assignment step over a slice of rows (read-only inputs, disjoint outputs).
struct AssignJob: @unchecked Sendable {
    let rows: UnsafePointer<Float>
    let blocks: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Int32>
    let k: Int, dim: Int
    let innerProduct: Bool

    func run(from start: Int, to end: Int) {
        guard end > start else { return }
        svx_nearest16(rows + start * dim, end - start, dim, blocks, bias, k, innerProduct ? 1 : 0, -1, out + start)
    }
}

/// Runs `body(0..<parts)` on `parts` threads (the caller's included) and waits for all. If a thread cannot
/// be created its part runs on the caller's thread.
func runParallel(_ parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard parts > 1 else {
        body(0)
        return
    }
    var handles: [pthread_t] = []
    var inline: [Int] = []
    for p in 1..<parts {
        var t = pthread_t()
        let box = Unmanaged.passRetained(WorkBox { body(p) })
        let created = pthread_create(&t, nil, { arg in
            Unmanaged<WorkBox>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        if created == 0 {
            handles.append(t)
        } else {
            box.release()
            inline.append(p)
        }
    }
    body(0)
    for p in inline { body(p) }
    for t in handles { pthread_join(t, nil) }
}
