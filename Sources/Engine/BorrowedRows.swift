import VectorIndex

/// Rows of a float vector column that a built index holds (an HNSW graph, or IVF_FLAT's lists): the index
/// keeps the rows as given, so the column gives up its own copy of them and reads them from the index (one
/// copy of every vector in memory).
///
/// `@unchecked Sendable`: `base` points into the index's read-only rows and stays valid while `owner` (the
/// index) lives, which this value keeps alive.
public struct BorrowedRows: @unchecked Sendable {
    /// The column positions these rows stand for.
    public let positions: Range<Int>
    /// The index's rows, by slot.
    let base: UnsafeRawPointer
    /// Slots (rows at `base`).
    let count: Int
    /// Slot → position, -1 for a row deleted before a restart; nil when the slot is the position's offset in
    /// `positions`.
    let positionOfSlot: [Int32]?
    /// Offset in `positions` → slot; nil when they are equal.
    let slotOfOffset: [Int32]?
    private let owner: AnyObject

    /// The rows of `built` standing for `range`, or nil when its index does not keep plain float32 rows or
    /// does not hold a row for every position of the range.
    init?(_ built: BuiltIndex, covering range: Range<Int>) {
        guard let held = built.graph.heldRows, built.graph.count == built.positions.count else { return nil }
        positions = range
        base = held.base
        count = built.graph.count
        owner = built.graph
        let positionOfSlot = held.idOfSlot.map { ids in ids.map { built.positions[Int($0)] } } ?? built.positions
        let contiguous = positionOfSlot.count == range.count
            && positionOfSlot.enumerated().allSatisfy { Int($0.element) == range.lowerBound + $0.offset }
        if contiguous {
            self.positionOfSlot = nil
            slotOfOffset = nil
            return
        }
        var slots = [Int32](repeating: -1, count: range.count)
        for (slot, p) in positionOfSlot.enumerated() where p >= 0 {
            guard range.contains(Int(p)) else { return nil }
            slots[Int(p) - range.lowerBound] = Int32(slot)
        }
        guard !slots.contains(-1) else { return nil }
        self.positionOfSlot = positionOfSlot
        slotOfOffset = slots
    }

    /// The bytes of the row at `position` (which must be in `positions`), `stride` bytes per row.
    @inline(__always) func row(at position: Int, stride: Int) -> UnsafeRawPointer {
        rowAddress(base, slotOfOffset, offset: position - positions.lowerBound, stride: stride)
    }
}

/// The row `offset` places into a run of rows at `base`, through `slotOfOffset` when the run is not in
/// position order (shared by `BorrowedRows` and `DenseRun`).
@inline(__always)
private func rowAddress(_ base: UnsafeRawPointer, _ slotOfOffset: [Int32]?, offset: Int, stride: Int) -> UnsafeRawPointer {
    base + Int(slotOfOffset.map { $0[offset] } ?? Int32(offset)) * stride
}

/// A run of dense vector rows in one buffer: the tail a column owns, or the rows an index holds.
struct DenseRun {
    /// The position of the row at `base` (when `positionOfSlot` is nil, row `i` is position `start + i`).
    let start: Int
    let base: UnsafeRawPointer
    let count: Int
    /// Row → position (-1: no row) when the run is not in position order.
    let positionOfSlot: [Int32]?
    /// The position after the last one the run stands for.
    let end: Int
    /// Offset from `start` → row, when the run is not in position order.
    let slotOfOffset: [Int32]?

    /// The position of the run's row `i`, or nil when it stands for no row.
    @inline(__always) func position(_ i: Int) -> Int? {
        guard let positionOfSlot else { return start + i }
        let p = Int(positionOfSlot[i])
        return p >= 0 ? p : nil
    }

    /// The bytes of the row standing for `position` (in `start..<end`), `stride` bytes per row.
    @inline(__always) func row(at position: Int, stride: Int) -> UnsafeRawPointer {
        rowAddress(base, slotOfOffset, offset: position - start, stride: stride)
    }
}
