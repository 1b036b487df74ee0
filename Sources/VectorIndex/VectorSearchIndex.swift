import VectorCore

/// A query as an index reads it; each index answers the kind it is built over (and nothing for another).
public enum IndexQuery {
    /// Float components, prepared by `prepare` (normalised for COSINE).
    case dense(UnsafePointer<Float>)
    /// Packed bits of a binary vector.
    case binary(UnsafeRawPointer)
    /// A sparse vector: dimensions and their values.
    case sparse(indices: UnsafeBufferPointer<UInt32>, values: UnsafeBufferPointer<Float>)
}

/// What every built vector index offers the engine: search with a filter, its shape, and serialisation.
/// Internal ids are the row numbers the index was built from (0..<count).
public protocol VectorSearchIndex: AnyObject, Sendable {
    var metric: Metric { get }
    /// Components (bits for binary vectors; 0 for sparse ones).
    var dimension: Int { get }
    var count: Int { get }
    /// The query as the index compares it (normalised for COSINE).
    func prepare(_ query: [Float]) -> [Float]
    /// The best `k` ids with internal distances (smaller is better); `allowed` filters inside the search.
    func search(_ query: IndexQuery, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)]
    /// The distance reported to clients for an internal one.
    func reported(_ value: Float) -> Float
    /// The index file's bytes, `payload` (the caller's own data) inside.
    func serialized(payload: [UInt8]) -> [UInt8]
    /// The same bytes written to `fd` as they are produced, with no copy of the index in memory; false if
    /// a write failed.
    func write(payload: [UInt8], to fd: Int32) -> Bool
    /// The rows the index keeps exactly as its build was given them (float32), if it keeps them.
    var heldRows: HeldRows? { get }
}

/// Rows an index keeps as given, `dimension` float32 components each, slot after slot from `base`. They
/// stay valid while the index lives.
public struct HeldRows {
    public let base: UnsafeRawPointer
    /// Slot → internal id; nil when they are the same number.
    public let idOfSlot: [UInt32]?
}

extension VectorSearchIndex {
    /// Every index compares COSINE as the inner product of normalised vectors.
    public func prepare(_ query: [Float]) -> [Float] {
        guard metric == .cosine else { return query }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? query.map { $0 / norm } : query
    }

    public var heldRows: HeldRows? { nil }

    /// Internal distances are negated for the metrics where larger is better (inner products).
    public func reported(_ value: Float) -> Float { metric.higherIsBetter ? -value : value }
}

/// Per-search knobs; each index reads the one it knows.
public struct SearchParameters: Sendable {
    public var ef: Int
    public var nprobe: Int
    /// Sparse: the share of the query's smallest values left out (`drop_ratio_search`).
    public var dropRatio: Float
    public init(ef: Int = 64, nprobe: Int = 8, dropRatio: Float = 0) {
        self.ef = ef
        self.nprobe = nprobe
        self.dropRatio = dropRatio
    }
}

extension HNSWIndex: VectorSearchIndex {
    public var heldRows: HeldRows? { HeldRows(base: UnsafeRawPointer(storedVectors), idOfSlot: nil) }

    public func search(_ query: IndexQuery, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        guard case .dense(let q) = query else { return [] }
        return search(q, k: k, ef: parameters.ef, allowed: allowed)
    }
}

/// Loads any serialised index (the format is told by its magic).
public enum IndexFile {
    public static func deserialize(_ bytes: [UInt8]) -> ((any VectorSearchIndex), [UInt8])? {
        deserialize(FileRegion(copying: bytes))
    }

    /// HNSW and IVF keep pointing into `region` for their vectors and codes; the other indexes copy their
    /// arrays out of it once.
    public static func deserialize(_ region: FileRegion) -> ((any VectorSearchIndex), [UInt8])? {
        let bytes = region.bytes
        if bytes.starts(with: HNSWIndex.magic), let (index, payload) = HNSWIndex.deserialize(region) { return (index, payload) }
        if bytes.starts(with: IVFIndex.magic), let (index, payload) = IVFIndex.deserialize(region) { return (index, payload) }
        if bytes.starts(with: BinaryIVFIndex.magic), let (index, payload) = BinaryIVFIndex.deserialize(bytes) { return (index, payload) }
        if bytes.starts(with: SparseInvertedIndex.magic), let (index, payload) = SparseInvertedIndex.deserialize(bytes) {
            return (index, payload)
        }
        return nil
    }
}

