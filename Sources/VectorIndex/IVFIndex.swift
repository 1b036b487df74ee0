import Glibc
import VectorCore

/// How an IVF index stores the vectors of its lists (the `IVF_*` index types).
public enum IVFEncoding: Sendable, Equatable {
    /// IVF_FLAT: float32 rows; distances within the probed lists are exact.
    case flat
    /// IVF_SQ8: one byte per component over a per-dimension range trained on the data (a quarter of the
    /// memory; distances to the decoded rows).
    case scalar8
    /// IVF_PQ: the residual to the list's centroid cut into `m` sub-vectors, each stored as the number of the
    /// nearest of 2^`nbits` trained sub-centroids; distances from per-query lookup tables.
    case product(m: Int, nbits: Int)
}

/// The IVF family, as faiss's IndexIVFFlat / IndexIVFScalarQuantizer / IndexIVFPQ: k-means centroids (the
/// coarse quantiser) and one inverted list per centroid holding its rows' codes contiguously. A search scans
/// the `nprobe` lists whose centroids are nearest to the query.
///
/// Internal distances are smaller-is-better (L2, or negated inner products; COSINE: the normalised query
/// against the rows' directions, from their inverse norms for IVF_FLAT, coded directly for SQ8 and PQ).
/// Immutable after `build`, so concurrent searches need no lock.
public final class IVFIndex: @unchecked Sendable {
    public let metric: Metric
    public let dimension: Int
    public let encoding: IVFEncoding
    public internal(set) var count = 0
    public internal(set) var nlist: Int
    var centroids: [Float] = []
    /// The lists, one after another: list l holds slots `listStarts[l]..<listStarts[l + 1]`.
    var listStarts: [Int] = [0]
    /// Slot → internal id.
    var listIDs: [UInt32] = []
    /// The code of every slot, `codeSize` bytes each, in `storage` (memory of the build, or the mapped
    /// file). IVF_FLAT's codes are the rows exactly as given, so they can serve as the column's rows too
    /// (`heldRows`).
    private(set) var codes: UnsafeRawPointer
    private var storage: FileRegion
    /// COSINE IVF_FLAT: slot → 1 / ‖row‖ (0 for a zero row): the rows are kept as given, not normalised.
    var inverseNorms: [Float] = []
    /// IVF_SQ8: component d decodes to `sqOffset[d] + code · sqScale[d]`.
    var sqOffset: [Float] = []
    var sqScale: [Float] = []
    /// IVF_PQ: `m` codebooks of `ksub` sub-centroids (dimension / m floats each), codebook after codebook,
    /// each stored dimension-major (component d of every sub-centroid together) so that a search's distance
    /// table is filled by loops over sub-centroids that the compiler vectorises.
    var codebooks: [Float] = []
    var ksub = 0

    public init(dimension: Int, nlist: Int, metric: Metric, encoding: IVFEncoding = .flat) {
        self.dimension = dimension
        self.nlist = max(1, nlist)
        self.metric = metric
        self.encoding = encoding
        storage = FileRegion(byteCount: 0)
        codes = UnsafeRawPointer(storage.base)
    }

    /// Bytes stored per row.
    var codeSize: Int {
        switch encoding {
        case .flat: dimension * 4
        case .scalar8: dimension
        case .product(let m, let nbits): m * (nbits <= 8 ? 1 : 2)
        }
    }

    /// Rows are compared by inner product (IP, and COSINE on directions).
    var innerProduct: Bool { metric != .l2 }

    /// Bytes held by centroids, codes, ids, norms and codebooks.
    public var memoryBytes: Int {
        (centroids.count + sqOffset.count + sqScale.count + codebooks.count + inverseNorms.count) * 4 + count * (codeSize + 4)
            + listStarts.count * 8
    }

    /// The slots of list `l`.
    @inline(__always) func slots(_ l: Int) -> Range<Int> { listStarts[l]..<listStarts[l + 1] }

    // MARK: Build

    /// Trains the centroids (k-means on a deterministic sample of at most 64 × nlist rows, 10 rounds), the
    /// encoding's parameters, and fills the lists with all `n` rows, taken as given (COSINE is handled
    /// inside: directions train and fill the lists, IVF_FLAT keeps the rows and their inverse norms).
    public func build(_ rows: UnsafePointer<Float>, count n: Int, threads: Int, seed: UInt64 = 42) {
        count = n
        nlist = max(1, min(nlist, max(n, 1)))
        guard n > 0 else {
            centroids = [Float](repeating: 0, count: nlist * dimension)
            listStarts = [Int](repeating: 0, count: nlist + 1)
            return
        }
        var sampleRows = sample(rows, count: n, size: min(n, 64 * nlist), seed: seed)
        if metric == .cosine { Self.normalise(&sampleRows, dimension) }
        let sampleSize = sampleRows.count / dimension
        centroids = sampleRows.withUnsafeBufferPointer {
            KMeans.train($0.baseAddress!, count: sampleSize, dim: dimension, k: nlist, iterations: 10, threads: threads,
                         spherical: metric == .cosine, innerProduct: innerProduct, seed: seed)
        }
        // SQ8 and PQ code the directions of COSINE rows; IVF_FLAT keeps the rows as they are.
        var directions: [Float] = []
        if metric == .cosine && encoding != .flat {
            directions = Array(UnsafeBufferPointer(start: rows, count: n * dimension))
            Self.normalise(&directions, dimension)
        }
        directions.withUnsafeBufferPointer { normalised in
            let source = directions.isEmpty ? rows : normalised.baseAddress!
            // By inner product the nearest centroid does not depend on a row's length: raw COSINE rows are
            // assigned as their directions would be.
            let labels = centroids.withUnsafeBufferPointer {
                KMeans.assign(source, count: n, centroids: $0.baseAddress!, k: nlist, dim: dimension, innerProduct: innerProduct, threads: threads)
            }
            let encoded: [UInt8]
            switch encoding {
            case .flat: encoded = []
            case .scalar8: encoded = trainAndEncodeScalar8(source, count: n)
            case .product(let m, let nbits):
                encoded = trainAndEncodeProduct(source, count: n, labels: labels, m: m, nbits: nbits, sample: sampleRows, threads: threads, seed: seed)
            }
            fillLists(rows, encoded: encoded, labels: labels)
        }
    }

    /// Puts every row's code in its list (rows in id order within a list), by counting sort on the labels.
    private func fillLists(_ rows: UnsafePointer<Float>, encoded: [UInt8], labels: [Int]) {
        let n = labels.count, size = codeSize
        var starts = [Int](repeating: 0, count: nlist + 1)
        for l in labels { starts[l + 1] += 1 }
        for l in 0..<nlist { starts[l + 1] += starts[l] }
        var next = Array(starts.dropLast())
        var ids = [UInt32](repeating: 0, count: n)
        let keepNorms = metric == .cosine && encoding == .flat
        var norms = [Float](repeating: 0, count: keepNorms ? n : 0)
        let region = FileRegion(byteCount: n * size)
        encoded.withUnsafeBytes { coded in
            for i in 0..<n {
                let slot = next[labels[i]]
                next[labels[i]] += 1
                ids[slot] = UInt32(i)
                let code = encoding == .flat ? UnsafeRawPointer(rows + i * dimension) : coded.baseAddress! + i * size
                (region.base + slot * size).copyMemory(from: code, byteCount: size)
                if keepNorms { norms[slot] = Distance.inverseNorm(rows + i * dimension, dimension) }
            }
        }
        listStarts = starts
        listIDs = ids
        inverseNorms = norms
        storage = region
        codes = UnsafeRawPointer(region.base)
    }

    /// Reads the codes from `bytes`, which lie in `region` (a loaded file).
    func use(_ bytes: UnsafeRawBufferPointer, in region: FileRegion) {
        storage = region
        codes = bytes.baseAddress ?? UnsafeRawPointer(region.base)
    }

    /// Scales every row of `rows` (`dim` components each) to unit length; zero rows stay zero.
    static func normalise(_ rows: inout [Float], _ dim: Int) {
        rows.withUnsafeMutableBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: dim) {
                let row = all.baseAddress! + start
                let scale = Distance.inverseNorm(row, dim)
                for d in 0..<dim { row[d] *= scale }
            }
        }
    }

    /// A deterministic random subset of `size` rows, copied.
    private func sample(_ rows: UnsafePointer<Float>, count n: Int, size: Int, seed: UInt64) -> [Float] {
        let ids = KMeans.randomSubset(of: n, size: size, seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var out = [Float](repeating: 0, count: size * dimension)
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<size { (o.baseAddress! + i * dimension).update(from: rows + ids[i] * dimension, count: dimension) }
        }
        return out
    }

    /// IVF_SQ8: each dimension's range over all rows, mapped onto 0...255.
    private func trainAndEncodeScalar8(_ rows: UnsafePointer<Float>, count n: Int) -> [UInt8] {
        var low = [Float](repeating: .infinity, count: dimension), high = [Float](repeating: -.infinity, count: dimension)
        for i in 0..<n {
            for d in 0..<dimension {
                let v = rows[i * dimension + d]
                low[d] = min(low[d], v)
                high[d] = max(high[d], v)
            }
        }
        sqOffset = low
        sqScale = (0..<dimension).map { d in high[d] > low[d] ? (high[d] - low[d]) / 255 : 0 }
        var out = [UInt8](repeating: 0, count: n * dimension)
        for i in 0..<n {
            for d in 0..<dimension where sqScale[d] > 0 {
                let q = ((rows[i * dimension + d] - low[d]) / sqScale[d]).rounded()
                out[i * dimension + d] = UInt8(max(0, min(255, q)))
            }
        }
        return out
    }

    /// IVF_PQ: the residuals of the sample train one codebook per sub-vector; every row's residual is then
    /// coded sub-vector by sub-vector.
    private func trainAndEncodeProduct(_ rows: UnsafePointer<Float>, count n: Int, labels: [Int], m: Int, nbits: Int,
                                       sample: [Float], threads: Int, seed: UInt64) -> [UInt8] {
        let dsub = dimension / m
        let sampleSize = sample.count / dimension
        let sampleLabels = sample.withUnsafeBufferPointer { s in
            centroids.withUnsafeBufferPointer {
                KMeans.assign(s.baseAddress!, count: sampleSize, centroids: $0.baseAddress!, k: nlist, dim: dimension,
                              innerProduct: innerProduct, threads: threads)
            }
        }
        // Codebooks train on at most 32 rows per sub-centroid of the sample; cost grows with ksub × rows, so
        // very wide codebooks also get fewer rounds.
        ksub = min(1 << nbits, sampleSize)
        let trainRows = min(sampleSize, 32 * ksub)
        let work = Double(trainRows) * Double(ksub) * Double(dimension)
        let iterations = max(1, min(10, Int(4e10 / max(work, 1))))
        codebooks = [Float](repeating: 0, count: m * ksub * dsub)
        var out = [UInt8](repeating: 0, count: n * codeSize)
        let wide = nbits > 8
        for j in 0..<m {
            let trainSub = sample.withUnsafeBufferPointer {
                residualSlice($0.baseAddress!, count: trainRows, labels: sampleLabels, sub: j, dsub: dsub)
            }
            let book = trainSub.withUnsafeBufferPointer {
                KMeans.train($0.baseAddress!, count: trainRows, dim: dsub, k: ksub, iterations: iterations, threads: threads,
                             spherical: false, innerProduct: false, seed: seed &+ UInt64(j))
            }
            for c in 0..<ksub {
                for d in 0..<dsub { codebooks[j * ksub * dsub + d * ksub + c] = book[c * dsub + d] }
            }
            let allSub = residualSlice(rows, count: n, labels: labels, sub: j, dsub: dsub)
            let assigned = allSub.withUnsafeBufferPointer { s in
                book.withUnsafeBufferPointer {
                    KMeans.assign(s.baseAddress!, count: n, centroids: $0.baseAddress!, k: ksub, dim: dsub, innerProduct: false, threads: threads)
                }
            }
            for i in 0..<n {
                if wide {
                    out[i * codeSize + 2 * j] = UInt8(assigned[i] & 0xFF)
                    out[i * codeSize + 2 * j + 1] = UInt8(assigned[i] >> 8)
                } else {
                    out[i * codeSize + j] = UInt8(assigned[i])
                }
            }
        }
        return out
    }

    /// Sub-vector `sub` of every row's residual to its centroid, contiguous.
    private func residualSlice(_ rows: UnsafePointer<Float>, count n: Int, labels: [Int], sub: Int, dsub: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n * dsub)
        for i in 0..<n {
            for d in 0..<dsub {
                let column = sub * dsub + d
                out[i * dsub + d] = rows[i * dimension + column] - centroids[labels[i] * dimension + column]
            }
        }
        return out
    }

    /// The sub-centroid number stored at `j` in a PQ code.
    @inline(__always) func productCode(_ code: UnsafePointer<UInt8>, _ j: Int, wide: Bool) -> Int {
        wide ? Int(code[2 * j]) | Int(code[2 * j + 1]) << 8 : Int(code[j])
    }
}
