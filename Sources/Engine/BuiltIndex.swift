import VectorCore
import VectorIndex

/// A graph built over a range of a loaded collection's rows for one vector field. Immutable once built,
/// so searches read it without locks.
final class BuiltIndex: @unchecked Sendable {
    let field: String
    let graph: HNSWIndex
    /// Internal id → row position in the collection's segment.
    let positions: [Int32]

    init(field: String, graph: HNSWIndex, positions: [Int32]) {
        self.field = field
        self.graph = graph
        self.positions = positions
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
}
