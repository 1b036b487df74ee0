@testable import Engine
import Testing
import VectorCore
import VectorIndex

/// When a compaction rewrites a loaded collection: once some segment (the rows of one built index, or the
/// uncovered tail) has at least 20% of its rows deleted, Milvus's single-segment threshold.
@Suite struct CompactionThresholdTests {
    /// 100 rows; a graph over the first `covered` rows of field "v", in two ranges of equal size.
    static func collection(covered: Int) -> (Segment, IndexState) {
        let segment = SegmentPrimaryKeyTests.segment(stringKeys: false)
        segment.reserve(rows: 100)
        for i in 0..<100 {
            let row = EntityRow(values: [.int(Int64(i)), .floatVector([Float(i), 0])], dynamic: nil)
            segment.append(rowID: Int64(i), partitionID: 1, row: row)
        }
        var state = IndexState()
        let half = covered / 2
        state.built["v"] = [0..<half, half..<covered].map { range in
            BuiltIndex(field: "v", graph: HNSWIndex(dimension: 2, capacity: range.count, m: 4, efConstruction: 8, metric: .l2),
                       positions: range.map(Int32.init), rowIDs: range.map(Int64.init))
        }
        state.coveredUpTo["v"] = covered
        return (segment, state)
    }

    @Test func nothingDeletedNeedsNothing() {
        let (segment, state) = Self.collection(covered: 80)
        #expect(!Engine.needsCompaction(segment, state))
    }

    @Test func oneSegmentPastTheShareIsEnough() {
        // 8 of the second range's 40 rows (20%), 8 of all 100 rows.
        let (segment, state) = Self.collection(covered: 80)
        for i in 40..<47 { #expect(segment.delete(rowID: Int64(i))) }
        #expect(!Engine.needsCompaction(segment, state), "7 of 40 is below 20%")
        #expect(segment.delete(rowID: 47))
        #expect(Engine.needsCompaction(segment, state))
    }

    @Test func rowsDeletedBeforeARestartCount() {
        // A graph loaded from its file whose rows were deleted while it was not loaded: positions -1.
        let (segment, base) = Self.collection(covered: 80)
        var state = base
        let first = base.built["v"]![0]
        var positions = first.positions
        for i in 0..<8 { positions[i] = -1 }
        state.built["v"]![0] = BuiltIndex(field: "v", graph: first.graph, positions: positions, rowIDs: first.rowIDs)
        #expect(Engine.needsCompaction(segment, state))
    }

    @Test func theUncoveredTailCountsToo() {
        // Rows 80..<100 are searched exactly; 4 of its 20 rows deleted is 20%, 3 is not.
        let (segment, state) = Self.collection(covered: 80)
        for i in 80..<83 { #expect(segment.delete(rowID: Int64(i))) }
        #expect(!Engine.needsCompaction(segment, state))
        #expect(segment.delete(rowID: 83))
        #expect(Engine.needsCompaction(segment, state))
        // With no graph at all, the whole collection is the tail.
        let (bare, _) = Self.collection(covered: 0)
        for i in 0..<19 { #expect(bare.delete(rowID: Int64(i))) }
        #expect(!Engine.needsCompaction(bare, IndexState()))
        #expect(bare.delete(rowID: 19))
        #expect(Engine.needsCompaction(bare, IndexState()))
    }
}
