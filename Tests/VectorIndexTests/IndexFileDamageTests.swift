import Testing
import VectorCore
@testable import VectorIndex

/// Saved index files damaged behind a valid checksum (the checksum is recomputed after the damage, as a
/// buggy writer or a forged file would have it): every kind of index either refuses the file or loads an
/// index whose searches answer ids of its own rows. A crash here would be a server that cannot start.
@Suite struct IndexFileDamageTests {
    /// A small index of each kind, serialised, and a search of it that checks every answered id.
    static func cases() -> [(name: String, file: [UInt8], search: (any VectorSearchIndex) -> Bool)] {
        let dim = 8, n = 300
        let rows = HNSWRecallTests.clustered(count: n, dim: dim, clusters: 5, seed: 17)
        let flat = rows.flatMap { $0 }
        var out: [(String, [UInt8], (any VectorSearchIndex) -> Bool)] = []
        func dense(_ index: any VectorSearchIndex) -> Bool {
            let q = index.prepare(rows[3])
            return q.withUnsafeBufferPointer { p in
                [SearchParameters(ef: 16, nprobe: 2), SearchParameters(ef: 64, nprobe: 64)].allSatisfy { parameters in
                    [nil, { $0 % 3 == 0 }].allSatisfy { (allowed: ((UInt32) -> Bool)?) in
                        index.search(.dense(p.baseAddress!), k: 5, parameters: parameters, allowed: allowed).allSatisfy { Int($0.id) < index.count }
                    }
                }
            }
        }
        for metric in [Metric.l2, .cosine] {
            let hnsw = HNSWIndex(dimension: dim, capacity: n, m: 4, efConstruction: 16, metric: metric)
            for v in rows { v.withUnsafeBufferPointer { _ = hnsw.add($0.baseAddress!) } }
            out.append(("HNSW \(metric)", hnsw.serialized(payload: [1, 2, 3]), dense))
        }
        for (name, encoding) in [("IVF_FLAT", IVFEncoding.flat), ("IVF_SQ8", .scalar8), ("IVF_PQ", .product(m: 4, nbits: 4))] {
            let ivf = IVFIndex(dimension: dim, nlist: 8, metric: .cosine, encoding: encoding)
            flat.withUnsafeBufferPointer { ivf.build($0.baseAddress!, count: n, threads: 1) }
            out.append((name, ivf.serialized(payload: [7]), dense))
        }
        let bits = BinaryAndSparseIndexTests.clusteredBits(count: n, bytes: 4, clusters: 5, seed: 4)
        let binary = BinaryIVFIndex(dimension: 32, nlist: 8, metric: .hamming)
        bits.flatMap { $0 }.withUnsafeBytes { binary.build($0.baseAddress!, count: n, threads: 1) }
        out.append(("BIN_IVF_FLAT", binary.serialized(payload: []), { index in
            bits[5].withUnsafeBytes { q in
                index.search(.binary(q.baseAddress!), k: 5, parameters: SearchParameters(nprobe: 3), allowed: nil).allSatisfy { Int($0.id) < index.count }
            }
        }))
        let sparse = BinaryAndSparseIndexTests.sparseRows(count: n, seed: 9)
        out.append(("SPARSE_INVERTED_INDEX", BinaryAndSparseIndexTests.sparseIndex(sparse).serialized(payload: [5]), { index in
            sparse[2].indices.withUnsafeBufferPointer { i in sparse[2].values.withUnsafeBufferPointer { v in
                index.search(.sparse(indices: i, values: v), k: 5, parameters: SearchParameters(), allowed: nil).allSatisfy { Int($0.id) < index.count }
            } }
        }))
        return out
    }

    @Test func damageBehindAValidChecksumIsRefusedOrSearchable() {
        var random = SplitMix(state: 23)
        for (name, file, search) in Self.cases() {
            #expect(IndexFile.deserialize(file).map { search($0.0) } == true, "\(name): the untouched file loads and answers")
            var accepted = 0
            for round in 0..<200 {
                // After the magic, before the checksum.
                var body = Array(file[8..<(file.count - 8)])
                if round % 5 == 4 {
                    body.removeLast(Int(random.next() % UInt64(body.count)))
                } else {
                    for _ in 0...(random.next() % 4) {
                        let at = Int(random.next() % UInt64(body.count))
                        body[at] = round % 2 == 0 ? UInt8(truncatingIfNeeded: random.next()) : body[at] ^ UInt8(1 << (random.next() % 8))
                    }
                }
                var resealed = Array(file[0..<8]) + body
                withUnsafeBytes(of: HNSWIndex.fnv1a(resealed[...]).littleEndian) { resealed.append(contentsOf: $0) }
                guard let (index, _) = IndexFile.deserialize(resealed) else { continue }
                accepted += 1
                #expect(search(index), "\(name), round \(round): an answer outside the rows")
            }
            // Most changes fall on vectors, codes or weights, which leave a well-formed index.
            #expect(accepted > 0, "\(name): \(accepted) of 200 accepted")
        }
    }
}
