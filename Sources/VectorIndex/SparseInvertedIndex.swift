import VectorCore

/// SPARSE_INVERTED_INDEX (and SPARSE_WAND, its former name): for each dimension, the rows that have it and
/// their values, in compressed lists (CSR by dimension). A search accumulates the inner products of the
/// query's dimensions term by term into one score per row, then keeps the best `k` allowed rows; rows that
/// share no dimension with the query score 0, as in an exact scan.
///
/// `drop_ratio_build` leaves out each row's smallest values (by magnitude) at build, `drop_ratio_search`
/// the query's; at 0 both the index and the search are exact. Immutable after `build`.
public final class SparseInvertedIndex: @unchecked Sendable {
    public let metric = Metric.ip
    public let dimension = 0
    public private(set) var count = 0
    public let dropRatioBuild: Float
    /// Dimensions present, ascending; postings of `dims[j]` are `ids/values[starts[j]..<starts[j + 1]]`.
    var dims: [UInt32] = []
    var starts: [Int] = [0]
    var ids: [UInt32] = []
    var values: [Float] = []

    public init(dropRatioBuild: Float = 0) {
        self.dropRatioBuild = min(max(dropRatioBuild, 0), 0.999)
    }

    /// Builds the lists from `n` rows given in CSR form: row `i` holds `indices/values[rowStarts[i]..<rowStarts[i + 1]]`.
    public func build(rowStarts: [Int], indices: [UInt32], values rowValues: [Float]) {
        count = rowStarts.count - 1
        var postings: [(dim: UInt32, id: UInt32, value: Float)] = []
        postings.reserveCapacity(indices.count)
        for i in 0..<count {
            let range = rowStarts[i]..<rowStarts[i + 1]
            let cut = Self.cutoff(rowValues[range], ratio: dropRatioBuild)
            for j in range where abs(rowValues[j]) >= cut { postings.append((indices[j], UInt32(i), rowValues[j])) }
        }
        postings.sort { $0.dim == $1.dim ? $0.id < $1.id : $0.dim < $1.dim }
        dims = []
        starts = [0]
        ids = postings.map(\.id)
        values = postings.map(\.value)
        for (k, p) in postings.enumerated() where dims.last != p.dim {
            if !dims.isEmpty { starts.append(k) }
            dims.append(p.dim)
        }
        starts.append(postings.count)
        if dims.isEmpty { starts = [0] }
    }

    /// The magnitude below which values are dropped: the `ratio` quantile of the magnitudes (0: none).
    static func cutoff<C: Collection<Float>>(_ values: C, ratio: Float) -> Float {
        let drop = Int(Float(values.count) * ratio)
        guard drop > 0 else { return 0 }
        return values.map { abs($0) }.sorted()[drop]
    }
}

extension SparseInvertedIndex: VectorSearchIndex {
    public func search(_ query: IndexQuery, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard case .sparse(let qi, let qv) = query, count > 0, k > 0 else { return [] }
        let cut = Self.cutoff(qv, ratio: min(max(parameters.dropRatio, 0), 0.999))
        var scores = [Float](repeating: 0, count: count)
        scores.withUnsafeMutableBufferPointer { s in
            ids.withUnsafeBufferPointer { ids in
                values.withUnsafeBufferPointer { values in
                    for (d, w) in zip(qi, qv) where w != 0 && abs(w) >= cut {
                        guard let j = position(of: d) else { continue }
                        for p in starts[j]..<starts[j + 1] { s[Int(ids[p])] += w * values[p] }
                    }
                }
            }
        }
        // Internal distances are negated inner products (smaller is better).
        var scan = ListScan(k: k)
        for i in 0..<count {
            if let allowed, !allowed(UInt32(i)) { continue }
            scan.offer(-scores[i], UInt32(i))
        }
        return scan.top.sorted().map { (distance: $0.distance, id: UInt32($0.id)) }
    }

    /// No preparation: sparse queries are used as they are.
    public func prepare(_ query: [Float]) -> [Float] { query }

    private func position(of dim: UInt32) -> Int? {
        var low = 0, high = dims.count
        while low < high {
            let mid = (low + high) / 2
            if dims[mid] < dim { low = mid + 1 } else { high = mid }
        }
        return low < dims.count && dims[low] == dim ? low : nil
    }
}

/// The on-disk form: magic "SVSPIX01", format version, count, drop ratio, the caller's payload, then the
/// dimensions, list starts, ids and values; a checksum last.
extension SparseInvertedIndex {
    public static let magic: [UInt8] = Array("SVSPIX01".utf8)

    public func serialized(payload: [UInt8]) -> [UInt8] { IndexWriter.bytes(magic: Self.magic) { encode(payload, into: &$0) } }

    public func write(payload: [UInt8], to fd: Int32) -> Bool { IndexWriter.stream(magic: Self.magic, to: fd) { encode(payload, into: &$0) } }

    private func encode(_ payload: [UInt8], into w: inout IndexWriter) {
        w.u32(1)
        w.u32(count)
        w.u32(Int(dropRatioBuild.bitPattern))
        w.array(payload)
        w.array(dims)
        w.array(starts.map { UInt64($0) })
        w.array(ids)
        w.array(values)
    }

    /// An index and its payload; nil if the bytes are damaged or inconsistent (lists in bounds and ordered,
    /// ids below the count).
    public static func deserialize(_ bytes: UnsafeRawBufferPointer) -> (SparseInvertedIndex, [UInt8])? {
        guard var r = IndexReader(bytes, magic: magic), r.u32() == 1, let count = r.u32(), let ratio = r.u32(),
              let payload = r.array(UInt8.self), let dims = r.array(UInt32.self), let starts = r.array(UInt64.self),
              let ids = r.array(UInt32.self), let values = r.array(Float.self), r.isAtEnd,
              starts.count == dims.count + 1, ids.count == values.count, starts.first == 0, starts.last == UInt64(ids.count)
        else { return nil }
        for j in 0..<dims.count where starts[j] > starts[j + 1] || (j > 0 && dims[j - 1] >= dims[j]) { return nil }
        guard !ids.contains(where: { Int($0) >= count }) else { return nil }
        let index = SparseInvertedIndex(dropRatioBuild: Float(bitPattern: UInt32(ratio)))
        index.count = count
        index.dims = dims
        index.starts = starts.map { Int($0) }
        index.ids = ids
        index.values = values
        return (index, payload)
    }
}
