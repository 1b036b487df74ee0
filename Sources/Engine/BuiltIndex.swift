import VectorCore
import VectorIndex

/// A graph built over a range of a loaded collection's rows for one vector field. Immutable once built,
/// so searches read it without locks.
final class BuiltIndex: @unchecked Sendable {
    let field: String
    let graph: any VectorSearchIndex
    /// Internal id → row position in the collection's segment; -1 for a row deleted before a restart.
    let positions: [Int32]
    /// Internal id → row id (what the file stores: positions change across restarts, row ids do not).
    let rowIDs: [Int64]
    /// True when some internal id has no row any more (its position is -1).
    let hasMissing: Bool

    init(field: String, graph: any VectorSearchIndex, positions: [Int32], rowIDs: [Int64]) {
        self.field = field
        self.graph = graph
        self.positions = positions
        self.rowIDs = rowIDs
        hasMissing = positions.contains(-1)
    }

    /// The internal ids whose row is still live in `segment` (not gone before a restart, not deleted since).
    func liveCount(in segment: Segment) -> Int {
        positions.reduce(0) { $0 + ($1 >= 0 && segment.live[Int($1)] ? 1 : 0) }
    }
}

/// Per loaded collection: the built graphs and how far each vector field is covered. Guarded by the
/// collection's lock (`CollectionData`).
struct IndexState {
    /// Field → graphs, in position order.
    var built: [String: [BuiltIndex]] = [:]
    /// Field → positions below this are covered by a graph (built or being built).
    var coveredUpTo: [String: Int] = [:]
    /// Field → the end position of the range being built, if any.
    var building: [String: Int] = [:]
    /// Fields for which a flush arrived while a build was running: the rest is sealed when it ends.
    var flushRequested: Set<String> = []
    /// Field → positions below this are sealed: a build was queued for them, or a flush asked for them.
    /// Index progress counts only these rows, as Milvus counts only flushed segments (the growing tail is
    /// searched exactly and waits for no build).
    var sealedUpTo: [String: Int] = [:]

    /// The positions an index's progress covers: the sealed ones and those a graph or scalar index covers.
    func sealed(_ field: String) -> Int { max(sealedUpTo[field] ?? 0, coveredUpTo[field] ?? 0) }
}
