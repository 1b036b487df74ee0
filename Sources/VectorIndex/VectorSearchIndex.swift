import VectorCore

/// What every built vector index offers the engine: search with a filter, its shape, and serialisation.
/// Internal ids are the row numbers the index was built from (0..<count).
public protocol VectorSearchIndex: AnyObject, Sendable {
    var metric: Metric { get }
    var dimension: Int { get }
    var count: Int { get }
    /// The query as the index compares it (normalised for COSINE).
    func prepare(_ query: [Float]) -> [Float]
    /// The best `k` ids with internal distances (smaller is better); `allowed` filters inside the search.
    func search(_ query: UnsafePointer<Float>, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)]
    /// The distance reported to clients for an internal one.
    func reported(_ value: Float) -> Float
    func serialized(payload: [UInt8]) -> [UInt8]
}

extension VectorSearchIndex {
    /// Every index compares COSINE as the inner product of normalised vectors.
    public func prepare(_ query: [Float]) -> [Float] {
        guard metric == .cosine else { return query }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? query.map { $0 / norm } : query
    }

    /// Internal distances are L2 or negated inner products.
    public func reported(_ value: Float) -> Float { metric == .l2 ? value : -value }
}

/// Per-search knobs; each index reads the one it knows.
public struct SearchParameters: Sendable {
    public var ef: Int
    public var nprobe: Int
    public init(ef: Int = 64, nprobe: Int = 8) {
        self.ef = ef
        self.nprobe = nprobe
    }
}

extension HNSWIndex: VectorSearchIndex {
    public func search(_ query: UnsafePointer<Float>, k: Int, parameters: SearchParameters, allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        search(query, k: k, ef: parameters.ef, allowed: allowed)
    }
}

/// Loads any serialised index (the format is told by its magic).
public enum IndexFile {
    public static func deserialize(_ bytes: [UInt8]) -> ((any VectorSearchIndex), [UInt8])? {
        if bytes.starts(with: HNSWIndex.magic), let (index, payload) = HNSWIndex.deserialize(bytes) { return (index, payload) }
        if bytes.starts(with: IVFIndex.magic), let (index, payload) = IVFIndex.deserialize(bytes) { return (index, payload) }
        return nil
    }
}

