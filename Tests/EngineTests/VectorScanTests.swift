@testable import Engine
import Testing
import VectorCore

/// The exact scan behind the growing tail and filtered searches: the best `k` allowed rows from a position
/// on, with no mask (every row), a mostly-true mask (deletes) or a sparse one (a selective filter, read row
/// by row), against a brute force over the same rows.
@Suite struct VectorScanTests {
    static let rows = 300

    /// 300 two-dimensional rows on a pseudo-random walk: distinct distances, no ties.
    static func segment() -> (Segment, [[Float]]) {
        let segment = SegmentPrimaryKeyTests.segment(stringKeys: false)
        var state: UInt64 = 99
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        var vectors: [[Float]] = []
        for i in 0..<rows {
            let v = [next(), next()]
            vectors.append(v)
            segment.append(rowID: Int64(i), partitionID: 1, row: EntityRow(values: [.int(Int64(i)), .floatVector(v)], dynamic: nil))
        }
        return (segment, vectors)
    }

    @Test(arguments: [0, 1, 137, 290, 299])
    func fromAPositionOnMatchesBruteForce(from: Int) {
        let (segment, vectors) = Self.segment()
        let query: [Float] = [0.1, -0.2]
        let masks: [(String, [Bool]?)] = [
            ("every row", nil),
            ("one row in ten deleted", (0..<Self.rows).map { $0 % 10 != 3 }),
            ("one row in thirty passing", (0..<Self.rows).map { $0 % 30 == 7 }),
        ]
        for (name, mask) in masks {
            let top = VectorScan.topK(segment.columns[1], query: .floats(query), metric: .l2, allowed: mask, rows: Self.rows, k: 10, from: from)
            let got = top.sorted().map(\.id)
            let expected = (from..<Self.rows).filter { mask?[$0] ?? true }.sorted {
                zip(query, vectors[$0]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    < zip(query, vectors[$1]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            }.prefix(10)
            #expect(got == Array(expected), "\(name), from \(from)")
            #expect(got.allSatisfy { $0 >= from }, "\(name): no row below \(from)")
        }
    }
}
