/// Distance and similarity measures, with Milvus's names and ordering (reference §8.1).
public enum Metric: String, Sendable, CaseIterable {
    /// Squared Euclidean distance (no square root, as Milvus returns it); smaller is better.
    case l2 = "L2"
    /// Inner product; larger is better.
    case ip = "IP"
    /// Cosine similarity; larger is better.
    case cosine = "COSINE"
    /// Number of differing bits; smaller is better.
    case hamming = "HAMMING"
    /// 1 - |a ∧ b| / |a ∨ b|; smaller is better.
    case jaccard = "JACCARD"

    /// True when a larger value is a better match.
    public var higherIsBetter: Bool { self == .ip || self == .cosine }

    /// True when `a` ranks before `b`.
    @inline(__always)
    public func isBetter(_ a: Float, than b: Float) -> Bool { higherIsBetter ? a > b : a < b }
}
