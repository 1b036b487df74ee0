import VectorIndex

/// Rows of a float vector column that a built graph holds: the graph keeps the rows as given, so the column
/// gives up its own copy of them and reads them from the graph (one copy of every vector in memory).
///
/// `@unchecked Sendable`: `base` points into the graph's read-only rows and stays valid while `owner` (the
/// graph) lives, which this value keeps alive.
public struct BorrowedRows: @unchecked Sendable {
    /// The column positions these rows stand for.
    public let positions: Range<Int>
    /// The graph's rows, by internal id.
    let base: UnsafeRawPointer
    /// Internal ids (rows at `base`).
    let count: Int
    /// Internal id → position, -1 for a row deleted before a restart; nil when the id is the position's
    /// offset in `positions`.
    let positionOfID: [Int32]?
    /// Offset in `positions` → internal id; nil when they are equal.
    let idOfOffset: [Int32]?
    private let owner: AnyObject

    /// The rows of `built` standing for `range`, or nil when its graph does not keep plain float32 rows or
    /// does not hold a row for every position of the range.
    init?(_ built: BuiltIndex, covering range: Range<Int>) {
        guard let graph = built.graph as? HNSWIndex, graph.count == built.positions.count else { return nil }
        positions = range
        base = UnsafeRawPointer(graph.storedVectors)
        count = graph.count
        owner = graph
        let contiguous = built.positions.count == range.count
            && built.positions.enumerated().allSatisfy { Int($0.element) == range.lowerBound + $0.offset }
        if contiguous {
            positionOfID = nil
            idOfOffset = nil
            return
        }
        var ids = [Int32](repeating: -1, count: range.count)
        for (id, p) in built.positions.enumerated() where p >= 0 {
            guard range.contains(Int(p)) else { return nil }
            ids[Int(p) - range.lowerBound] = Int32(id)
        }
        guard !ids.contains(-1) else { return nil }
        positionOfID = built.positions
        idOfOffset = ids
    }

    /// The bytes of the row at `position` (which must be in `positions`), `stride` bytes per row.
    @inline(__always) func row(at position: Int, stride: Int) -> UnsafeRawPointer {
        let offset = position - positions.lowerBound
        return base + Int(idOfOffset.map { $0[offset] } ?? Int32(offset)) * stride
    }
}

/// A run of dense vector rows in one buffer: the tail a column owns, or the rows a graph holds.
struct DenseRun {
    /// The position of the row at `base` (when `positionOfID` is nil, row `i` is position `start + i`).
    let start: Int
    let base: UnsafeRawPointer
    let count: Int
    /// Row → position (-1: no row) when the run is not in position order.
    let positionOfID: [Int32]?
    /// The position after the last one the run stands for.
    let end: Int

    /// The position of the run's row `i`, or nil when it stands for no row.
    @inline(__always) func position(_ i: Int) -> Int? {
        guard let positionOfID else { return start + i }
        let p = Int(positionOfID[i])
        return p >= 0 ? p : nil
    }
}
