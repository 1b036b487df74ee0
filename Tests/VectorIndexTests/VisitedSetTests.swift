import Testing
@testable import VectorIndex

/// The HNSW walk's visited set: a bit per id, reset by clearing the words it wrote.
@Suite struct VisitedSetTests {
    @Test func visitsAreSeenUntilTheResetAndNotAfter() {
        let capacity = 1_000
        let set = VisitedSet(capacity: capacity)
        var g = SplitMix(state: 7)
        for _ in 0..<20 {
            // Word edges, and ids drawn at random (some twice).
            var ids: Set<UInt32> = [0, 63, 64, 127, UInt32(capacity - 1)]
            for _ in 0..<Int(g.next() % 300) { ids.insert(UInt32(g.next() % UInt64(capacity))) }
            for id in ids { set.visit(id) }
            for id in ids { set.visit(id) }
            for id in 0..<UInt32(capacity) { #expect(set.isVisited(id) == ids.contains(id)) }
            set.reset()
            #expect((0..<UInt32(capacity)).allSatisfy { !set.isVisited($0) })
        }
    }
}
