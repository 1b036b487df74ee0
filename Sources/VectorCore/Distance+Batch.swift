import CVectorSupport

/// Whole-column scans: one call computes the distance from one query to every allowed row of a contiguous
/// column, so the loop itself is compiled for the vector unit and pays no call per row.
extension Distance {
    /// Element types of a dense column.
    public enum Element: Sendable {
        case float32, float16, bfloat16, int8
        public var size: Int { self == .float32 ? 4 : (self == .int8 ? 1 : 2) }
    }

    /// Distances from `query` (Float32, `dim` long) to rows `0..<count` of `base` (`dim` elements of `element`
    /// each). Rows with `allowed[i] == false` are skipped and their `out[i]` is left as it was.
    public static func scan(metric: Metric, element: Element, query: UnsafePointer<Float>, base: UnsafeRawPointer, count: Int,
                            dim: Int, allowed: UnsafePointer<Bool>, out: UnsafeMutablePointer<Float>) {
        let rows = DenseRows(metric: metric, element: element, query: query, dim: dim)
        defer { rows.release() }
        for i in 0..<count where allowed[i] { out[i] = rows.distance(base + i * rows.stride) }
    }

    /// Hamming or Jaccard distances from `query` to rows of `bytes` bytes each.
    public static func scanBinary(metric: Metric, query: UnsafeRawPointer, base: UnsafeRawPointer, count: Int, bytes: Int,
                                  allowed: UnsafePointer<Bool>, out: UnsafeMutablePointer<Float>) {
        for i in 0..<count where allowed[i] {
            let row = base + i * bytes
            out[i] = metric == .jaccard ? jaccard(query, row, bytes) : hamming(query, row, bytes)
        }
    }
}

extension Distance {
    /// The best `k` rows for `query`, with the heap fed inside the scan (no per-row call, no distance
    /// buffer). `allowed` nil means every row.
    public static func topK(k: Int, metric: Metric, element: Element, query: UnsafePointer<Float>, base: UnsafeRawPointer,
                            count: Int, dim: Int, allowed: UnsafePointer<Bool>?) -> TopK {
        if element == .float32, metric == .l2 || metric == .ip {
            return topKFloat32(k: k, metric: metric, query: query, base: base, count: count, dim: dim, allowed: allowed)
        }
        var top = TopK(k: k, metric: metric)
        let rows = DenseRows(metric: metric, element: element, query: query, dim: dim)
        defer { rows.release() }
        var i = allowed.map { ByteMask.next($0, from: 0, count) } ?? 0
        while i < count {
            let d = rows.distance(base + i * rows.stride)
            // Most rows lose to the worst kept distance: test that before the heap.
            if !(top.threshold.map { metric.isBetter($0, than: d) } ?? false) { top.push(d, i) }
            i = allowed.map { ByteMask.next($0, from: i + 1, count) } ?? i + 1
        }
        return top
    }

    /// The best `k` of the rows at `rows` (one pointer per row, reported as the matching `ids`): an exact
    /// search over the few rows a filter lets through, scattered over the column, so each row is prefetched a
    /// few rows ahead of the kernel.
    public static func topK(k: Int, metric: Metric, element: Element, query: UnsafePointer<Float>, dim: Int,
                            rows: [UnsafeRawPointer], ids: [Int]) -> TopK {
        var top = TopK(k: k, metric: metric)
        let dense = DenseRows(metric: metric, element: element, query: query, dim: dim)
        defer { dense.release() }
        let ahead = 4
        @inline(__always) func prefetch(_ j: Int) {
            guard j < rows.count else { return }
            for line in Swift.stride(from: 0, to: dense.stride, by: 64) { svx_prefetch(rows[j] + line) }
        }
        for j in 0..<ahead { prefetch(j) }
        for j in 0..<rows.count {
            prefetch(j + ahead)
            let d = dense.distance(rows[j])
            if !(top.threshold.map { metric.isBetter($0, than: d) } ?? false) { top.push(d, ids[j]) }
        }
        return top
    }

    /// The common case in its own loop: float32 rows, L2 or IP. The worst kept distance lives in a local, so
    /// most rows cost one kernel call and one comparison; a sparse mask is skipped a word at a time.
    /// (Computing four rows at once to overlap their reductions measured 2.6 times slower with Swift's SIMD
    /// types here.)
    static func topKFloat32(k: Int, metric: Metric, query: UnsafePointer<Float>, base: UnsafeRawPointer, count: Int, dim: Int,
                            allowed: UnsafePointer<Bool>? = nil) -> TopK {
        metric == .l2 ? topKFloat32(k: k, metric: metric, query: query, base: base, count: count, dim: dim, allowed: allowed, kernel: l2)
                      : topKFloat32(k: k, metric: metric, query: query, base: base, count: count, dim: dim, allowed: allowed, kernel: dot)
    }

    @inline(__always)
    private static func topKFloat32(k: Int, metric: Metric, query: UnsafePointer<Float>, base: UnsafeRawPointer, count: Int, dim: Int,
                                    allowed: UnsafePointer<Bool>?, kernel: (UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float) -> TopK {
        var top = TopK(k: k, metric: metric)
        let rows = base.assumingMemoryBound(to: Float.self)
        let higher = metric.higherIsBetter
        var threshold: Float = higher ? -.infinity : .infinity
        var full = false
        @inline(__always) func visit(_ i: Int) {
            let d = kernel(query, rows + i * dim, dim)
            if full && (higher ? d < threshold : d > threshold) { return }
            top.push(d, i)
            if let t = top.threshold {
                full = true
                threshold = t
            }
        }
        if let allowed {
            var i = ByteMask.next(allowed, from: 0, count)
            while i < count {
                visit(i)
                i = ByteMask.next(allowed, from: i + 1, count)
            }
        } else {
            for i in 0..<count { visit(i) }
        }
        return top
    }
}

/// The distance from one query to rows of one dense element type: widens 16-bit and int8 rows into a
/// scratch buffer, and keeps the query's norm for COSINE. Shared by the column scans.
struct DenseRows {
    let metric: Metric
    let element: Distance.Element
    let query: UnsafePointer<Float>
    let dim: Int
    let stride: Int
    private let queryNorm: Float
    private let widened: UnsafeMutablePointer<Float>

    init(metric: Metric, element: Distance.Element, query: UnsafePointer<Float>, dim: Int) {
        self.metric = metric
        self.element = element
        self.query = query
        self.dim = dim
        stride = dim * element.size
        if metric == .cosine {
            let n2 = Distance.dot(query, query, dim)
            queryNorm = n2 > 0 ? n2.squareRoot() : 0
        } else {
            queryNorm = 1
        }
        widened = .allocate(capacity: element == .float32 ? 1 : dim)
    }

    func release() { widened.deallocate() }

    @inline(__always)
    func distance(_ row: UnsafeRawPointer) -> Float {
        let v: UnsafePointer<Float>
        switch element {
        case .float32: v = row.assumingMemoryBound(to: Float.self)
        case .float16: Distance.widenFloat16(row, widened, dim); v = UnsafePointer(widened)
        case .bfloat16: Distance.widenBFloat16(row, widened, dim); v = UnsafePointer(widened)
        case .int8: Distance.widenInt8(row, widened, dim); v = UnsafePointer(widened)
        }
        switch metric {
        case .l2: return Distance.l2(query, v, dim)
        case .ip: return Distance.dot(query, v, dim)
        default:
            let (d, norm2) = Distance.dotAndNorm(query, v, dim)
            let denominator = queryNorm * norm2.squareRoot()
            return denominator > 0 ? d / denominator : 0
        }
    }
}
