/// Keeps the best `k` (distance, id) pairs seen, for one metric's order, in a binary heap whose root is the
/// worst kept entry. Ties keep the smaller id, so results are deterministic.
public struct TopK {
    public let k: Int
    public let metric: Metric
    public private(set) var distances: [Float] = []
    public private(set) var ids: [Int] = []

    public init(k: Int, metric: Metric) {
        self.k = k
        self.metric = metric
        distances.reserveCapacity(k)
        ids.reserveCapacity(k)
    }

    /// True when (d1, i1) ranks after (d2, i2).
    @inline(__always)
    private func worse(_ d1: Float, _ i1: Int, _ d2: Float, _ i2: Int) -> Bool {
        if d1 == d2 { return i1 > i2 }
        return metric.isBetter(d2, than: d1)
    }

    /// The worst kept distance once the heap is full (candidates must beat it).
    @inline(__always)
    public var threshold: Float? { distances.count == k ? distances[0] : nil }

    @inline(__always)
    public mutating func push(_ distance: Float, _ id: Int) {
        guard k > 0 else { return }
        if distances.count < k {
            distances.append(distance)
            ids.append(id)
            siftUp(distances.count - 1)
        } else if worse(distances[0], ids[0], distance, id) {
            distances[0] = distance
            ids[0] = id
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var c = start
        while c > 0 {
            let p = (c - 1) / 2
            guard worse(distances[c], ids[c], distances[p], ids[p]) else { break }
            distances.swapAt(c, p)
            ids.swapAt(c, p)
            c = p
        }
    }

    private mutating func siftDown(_ start: Int) {
        var p = start
        let n = distances.count
        while true {
            let l = 2 * p + 1, r = l + 1
            var w = p
            if l < n && worse(distances[l], ids[l], distances[w], ids[w]) { w = l }
            if r < n && worse(distances[r], ids[r], distances[w], ids[w]) { w = r }
            if w == p { return }
            distances.swapAt(p, w)
            ids.swapAt(p, w)
            p = w
        }
    }

    /// The kept entries, best first.
    public func sorted() -> [(distance: Float, id: Int)] {
        zip(distances, ids).map { (distance: $0.0, id: $0.1) }.sorted { a, b in
            a.distance == b.distance ? a.id < b.id : metric.isBetter(a.distance, than: b.distance)
        }
    }
}
