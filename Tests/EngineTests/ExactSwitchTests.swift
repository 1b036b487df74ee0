@testable import Engine
import Testing
import VectorIndex

/// Where a filtered HNSW search turns into an exact search over the passing rows: the points measured on
/// the bench's 100,000-row graphs at ef 64 (both ways cost the same near 13% passing at 128-d and 6.6% at
/// 768-d), the floor below 128-d, and IVF's fixed 5%.
@Suite struct ExactSwitchTests {
    static func graphs(_ dim: Int) -> [BuiltIndex] {
        [BuiltIndex(field: "v", graph: HNSWIndex(dimension: dim, capacity: 1, m: 16, efConstruction: 16, metric: .l2),
                    positions: [0], rowIDs: [0])]
    }

    static func exact(_ percent: Double, dim: Int, ef: Int = 64, rows: Int = 100_000) -> Bool {
        Engine.exactIsCheaper(passing: Int(percent / 100 * Double(rows)), of: rows, ef: ef, graphs: graphs(dim))
    }

    @Test func switchFollowsTheDimension() {
        #expect(Self.exact(12, dim: 128) && !Self.exact(14, dim: 128))
        #expect(Self.exact(6, dim: 768) && !Self.exact(7.5, dim: 768))
        // Below 128-d it is taken as at 128-d.
        #expect(Self.exact(12, dim: 16) && !Self.exact(14, dim: 16))
        // A wider search makes the walk dearer: at ef 256 the switch moves up (about 26% at 128-d).
        #expect(Self.exact(25, dim: 128, ef: 256) && !Self.exact(28, dim: 128, ef: 256))
        // Unfiltered, a large collection is walked; a tiny one is scanned.
        #expect(!Self.exact(100, dim: 128) && Self.exact(100, dim: 128, rows: 1_000))
    }

    @Test func ivfSwitchesBelowFivePercent() {
        let ivf = [BuiltIndex(field: "v", graph: IVFIndex(dimension: 8, nlist: 4, metric: .l2), positions: [], rowIDs: [])]
        #expect(Engine.exactIsCheaper(passing: 4_999, of: 100_000, ef: 64, graphs: ivf))
        #expect(!Engine.exactIsCheaper(passing: 5_000, of: 100_000, ef: 64, graphs: ivf))
    }
}
