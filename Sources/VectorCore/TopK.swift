/// Keeps the best `k` (distance, id) pairs seen, for one metric's order, in a binary heap whose root is the
/// worst kept entry. Ties keep the smaller id, so results are deterministic.
///
/// The heap is one array of pairs, sifted through its buffer pointer: sifting through the array itself cost
/// a retain and a release of its storage per swap (9% of an IVF search probing 64 lists, by `perf`).
public struct TopK: Sendable {
    public let k: Int
    public let metric: Metric
    private let higherIsBetter: Bool
    private var heap: [Entry] = []

    private struct Entry {
        var distance: Float
        var id: Int
    }

    public init(k: Int, metric: Metric) {
        self.k = k
        self.metric = metric
        higherIsBetter = metric.higherIsBetter
        heap.reserveCapacity(max(k, 0))
    }

    /// How many entries are kept (at most `k`).
    public var count: Int { heap.count }
    /// The kept distances, in heap order (matching `ids`).
    public var distances: [Float] { heap.map(\.distance) }
    /// The kept ids, in heap order (matching `distances`).
    public var ids: [Int] { heap.map(\.id) }

    /// The worst kept distance once the heap is full (candidates must beat it).
    @inline(__always)
    public var threshold: Float? { heap.count == k ? heap[0].distance : nil }

    /// True when `a` ranks after `b`.
    @inline(__always)
    private static func worse(_ a: Entry, _ b: Entry, _ higherIsBetter: Bool) -> Bool {
        if a.distance == b.distance { return a.id > b.id }
        return higherIsBetter ? b.distance > a.distance : b.distance < a.distance
    }

    @inline(__always)
    public mutating func push(_ distance: Float, _ id: Int) {
        guard k > 0 else { return }
        let entry = Entry(distance: distance, id: id)
        let higher = higherIsBetter
        if heap.count < k {
            heap.append(entry)
            heap.withUnsafeMutableBufferPointer { TopK.siftUp($0, entry, higher) }
        } else if TopK.worse(heap[0], entry, higher) {
            heap.withUnsafeMutableBufferPointer { TopK.siftDown($0, entry, higher) }
        }
    }

    /// Moves `entry`, just appended at the end, up past the better parents.
    private static func siftUp(_ h: UnsafeMutableBufferPointer<Entry>, _ entry: Entry, _ higher: Bool) {
        var c = h.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard worse(entry, h[p], higher) else { break }
            h[c] = h[p]
            c = p
        }
        h[c] = entry
    }

    /// Puts `entry` in place of the root and moves it down past the worse children.
    private static func siftDown(_ h: UnsafeMutableBufferPointer<Entry>, _ entry: Entry, _ higher: Bool) {
        let n = h.count
        var p = 0
        while true {
            let l = 2 * p + 1
            guard l < n else { break }
            var w = l
            if l + 1 < n && worse(h[l + 1], h[l], higher) { w = l + 1 }
            guard worse(h[w], entry, higher) else { break }
            h[p] = h[w]
            p = w
        }
        h[p] = entry
    }

    /// The kept entries, best first.
    public func sorted() -> [(distance: Float, id: Int)] {
        let higher = higherIsBetter
        return heap.sorted { TopK.worse($1, $0, higher) }.map { (distance: $0.distance, id: $0.id) }
    }
}
