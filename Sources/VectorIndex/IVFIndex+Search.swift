import CVectorSupport
import VectorCore

extension IVFIndex: VectorSearchIndex {
    /// IVF_FLAT keeps the rows as given, list after list.
    public var heldRows: HeldRows? { encoding == .flat ? HeldRows(base: codes, idOfSlot: listIDs) : nil }

    /// The best `k` rows among the `nprobe` lists nearest to `query` (prepared), with internal distances;
    /// `allowed` filters inside the scan.
    public func search(_ query: IndexQuery, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard case .dense(let q) = query else { return [] }
        return search(q, k: k, parameters: parameters, allowed: allowed)
    }

    public func search(_ query: UnsafePointer<Float>, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard count > 0, k > 0 else { return [] }
        let nprobe = max(1, min(parameters.nprobe, nlist))
        let ip = innerProduct
        var nearest = ListScan(k: nprobe)
        // IP: q · centroid (IVF_PQ reuses it); L2: the squared distances.
        var centroidScores = [Float](repeating: 0, count: nlist)
        centroids.withUnsafeBufferPointer { cp in
            centroidScores.withUnsafeMutableBufferPointer { out in
                if ip {
                    Distance.dot(query, rows: cp.baseAddress!, count: nlist, dimension, into: out.baseAddress!)
                } else {
                    Distance.l2(query, rows: cp.baseAddress!, count: nlist, dimension, into: out.baseAddress!)
                }
                for c in 0..<nlist { nearest.offer(ip ? -out[c] : out[c], UInt32(c)) }
            }
        }
        var scan = ListScan(k: k)
        let first = nearest.top.sorted().map(\.id)
        scanLists(first, query: query, centroidScores: centroidScores, allowed: allowed, into: &scan)
        // A filter (or deletes) can leave fewer than k rows in the probed lists while other lists hold more.
        if allowed != nil {
            probeFurther(lists: nlist, after: first, score: { ip ? -centroidScores[$0] : centroidScores[$0] },
                         while: { scan.top.count < k }) {
                scanLists($0, query: query, centroidScores: centroidScores, allowed: allowed, into: &scan)
            }
        }
        return scan.top.sorted().map { (distance: $0.distance, id: UInt32($0.id)) }
    }

    /// Scores the rows of `probed` lists into `scan` (all of them, or the allowed ones).
    private func scanLists(_ probed: [Int], query: UnsafePointer<Float>, centroidScores: [Float], allowed: ((UInt32) -> Bool)?,
                           into scan: inout ListScan) {
        let ip = innerProduct
        let dim = dimension
        switch encoding {
        case .flat:
            // Without a filter a list is scored in one batch; with one, only its allowed rows are. COSINE
            // rows are kept as given: their inner products are scaled by the rows' inverse norms.
            let cosine = !inverseNorms.isEmpty
            var longest = 1
            if allowed == nil { for list in probed { longest = max(longest, slots(list).count) } }
            var scores = [Float](repeating: 0, count: longest)
            listIDs.withUnsafeBufferPointer { ids in
                inverseNorms.withUnsafeBufferPointer { norms in
                    for list in probed {
                        let range = slots(list)
                        guard allowed == nil else {
                            scanList(list, &scan, allowed) { row, slot in
                                let v = row.assumingMemoryBound(to: Float.self)
                                return ip ? -Distance.dot(query, v, dim) * (cosine ? norms[slot] : 1) : Distance.l2(query, v, dim)
                            }
                            continue
                        }
                        guard !range.isEmpty else { continue }
                        let rows = (codes + range.lowerBound * dim * 4).assumingMemoryBound(to: Float.self)
                        scores.withUnsafeMutableBufferPointer { out in
                            if ip {
                                Distance.dot(query, rows: rows, count: range.count, dim, into: out.baseAddress!)
                                if cosine { for j in 0..<range.count { out[j] *= norms[range.lowerBound + j] } }
                            } else {
                                Distance.l2(query, rows: rows, count: range.count, dim, into: out.baseAddress!)
                            }
                            for j in 0..<range.count { scan.offer(ip ? -out[j] : out[j], ids[range.lowerBound + j]) }
                        }
                    }
                }
            }
        case .scalar8:
            // L2: query − offset against code · scale. IP: Σ q·offset + Σ (q·scale) · code.
            var folded = [Float](repeating: 0, count: dim)
            var constant: Float = 0
            for d in 0..<dim {
                if ip {
                    folded[d] = query[d] * sqScale[d]
                    constant += query[d] * sqOffset[d]
                } else {
                    folded[d] = query[d] - sqOffset[d]
                }
            }
            folded.withUnsafeBufferPointer { f in
                sqScale.withUnsafeBufferPointer { s in
                    for list in probed {
                        scanList(list, &scan, allowed) { row, _ in
                            let c = row.assumingMemoryBound(to: UInt8.self)
                            return ip ? -(constant + svx_dot_sq8(f.baseAddress!, c, dim))
                                      : svx_l2_sq8(f.baseAddress!, s.baseAddress!, c, dim)
                        }
                    }
                }
            }
        case .product(let m, let nbits):
            let dsub = dim / m, wide = nbits > 8, ksub = ksub
            var table = [Float](repeating: 0, count: m * ksub)
            var residual = [Float](repeating: 0, count: dim)
            codebooks.withUnsafeBufferPointer { books in
                // IP: the table does not depend on the list (q · (centroid + residual) splits).
                // Entry (j, c): sub-vector j of the target against sub-centroid c, accumulated component by
                // component across all sub-centroids at once (dimension-major codebooks).
                func fill(_ target: UnsafePointer<Float>) {
                    table.withUnsafeMutableBufferPointer { t in
                        t.update(repeating: 0)
                        for j in 0..<m {
                            let row = t.baseAddress! + j * ksub
                            for d in 0..<dsub {
                                let x = target[j * dsub + d]
                                let words = books.baseAddress! + (j * dsub + d) * ksub
                                if ip {
                                    for c in 0..<ksub { row[c] += x * words[c] }
                                } else {
                                    for c in 0..<ksub {
                                        let diff = x - words[c]
                                        row[c] += diff * diff
                                    }
                                }
                            }
                        }
                    }
                }
                if ip { fill(query) }
                for list in probed {
                    if !ip {
                        for d in 0..<dim { residual[d] = query[d] - centroids[list * dim + d] }
                        residual.withUnsafeBufferPointer { fill($0.baseAddress!) }
                    }
                    let base = ip ? centroidScores[list] : 0
                    table.withUnsafeBufferPointer { t in
                        scanList(list, &scan, allowed) { row, _ in
                            let c = row.assumingMemoryBound(to: UInt8.self)
                            var sum: Float = 0
                            for j in 0..<m { sum += t[j * ksub + productCode(c, j, wide: wide)] }
                            return ip ? -(base + sum) : sum
                        }
                    }
                }
            }
        }
    }

    /// Feeds every allowed row of one list to `scan`; `distance` gets the row's code and slot.
    @inline(__always)
    private func scanList(_ list: Int, _ scan: inout ListScan, _ allowed: ((UInt32) -> Bool)?,
                          _ distance: (UnsafeRawPointer, Int) -> Float) {
        let size = codeSize
        listIDs.withUnsafeBufferPointer { ids in
            for slot in slots(list) {
                if let allowed, !allowed(ids[slot]) { continue }
                scan.offer(distance(codes + slot * size, slot), ids[slot])
            }
        }
    }
}

/// The rest of a filtered search over inverted lists that found fewer rows than it needs in its `first`
/// lists: the other lists are probed nearest first (smaller `score`), twice as many each round, while
/// `short()` holds. Lists already probed are skipped by flag, not by rank (a NaN score has none; it sorts
/// last). Shared by IVFIndex and BinaryIVFIndex.
func probeFurther(lists nlist: Int, after first: [Int], score: (Int) -> Float, while short: () -> Bool, _ probe: ([Int]) -> Void) {
    guard first.count < nlist, short() else { return }
    var probed = [Bool](repeating: false, count: nlist)
    for list in first { probed[list] = true }
    func key(_ list: Int) -> Float { let s = score(list); return s.isNaN ? .infinity : s }
    var rest = (0..<nlist).filter { !probed[$0] }.sorted { (key($0), $0) < (key($1), $1) }[...]
    var round = max(1, first.count)
    while short(), !rest.isEmpty {
        probe(Array(rest.prefix(round)))
        rest = rest.dropFirst(round)
        round *= 2
    }
}

/// The best rows seen by a list scan, with the worst kept distance in a local so that most rows cost one
/// comparison.
struct ListScan {
    var top: TopK
    private var threshold = Float.infinity
    private var full = false

    init(k: Int) { top = TopK(k: k, metric: .l2) }

    @inline(__always) mutating func offer(_ d: Float, _ id: UInt32) {
        if full && d > threshold { return }
        top.push(d, Int(id))
        if let t = top.threshold {
            full = true
            threshold = t
        }
    }
}
