import VectorCore

/// The on-disk form of a graph:
/// magic "SVHNSW01", format version, metric, dimension, M, efConstruction, count, max level, entry point,
/// the caller's payload (length + bytes), levels, upper-level blocks (length + links per node), then, each
/// starting at a multiple of 64 bytes so that a mapped file can be used in place, the level-0 links and
/// the vectors; last an FNV-1a 64 checksum of everything before it. All integers little-endian.
extension HNSWIndex {
    /// 2: sections aligned for mapping; 3: COSINE rows stored as given, not normalised (older files are
    /// rebuilt).
    public static let formatVersion: UInt32 = 3
    public static let magic: [UInt8] = Array("SVHNSW01".utf8)
    static let sectionAlignment = 64

    /// The graph and `payload` (bytes the caller wants stored with it, e.g. row ids) as one buffer.
    public func serialized(payload: [UInt8]) -> [UInt8] { IndexWriter.bytes(magic: Self.magic) { encode(payload, into: &$0) } }

    public func write(payload: [UInt8], to fd: Int32) -> Bool { IndexWriter.stream(magic: Self.magic, to: fd) { encode(payload, into: &$0) } }

    private func encode(_ payload: [UInt8], into w: inout IndexWriter) {
        let state = self.state  // a snapshot: computed, with the upper levels' links copied out
        w.u32(Int(Self.formatVersion))
        w.u8(UInt8(Metric.allCases.firstIndex(of: metric)!))
        w.u32(dimension); w.u32(m); w.u32(efConstruction); w.u32(count)
        w.u32(Int(Int32(state.maxLevel))); w.u32(Int(state.entryPoint))
        w.array(payload)
        w.raw(state.levels)
        for block in state.upper { w.array(block) }
        w.align(Self.sectionAlignment)
        w.raw(UnsafeRawBufferPointer(start: state.level0, count: count * (maxM0 + 1) * 4))
        w.align(Self.sectionAlignment)
        w.raw(UnsafeRawBufferPointer(start: state.vectors, count: count * dimension * 4))
    }

    /// `deserialize(_:)` over a copy of `bytes`.
    public static func deserialize(_ bytes: [UInt8]) -> (HNSWIndex, [UInt8])? {
        deserialize(FileRegion(copying: bytes))
    }

    /// Rebuilds a graph from `serialized` output; nil if the bytes are truncated, damaged (checksum) or of
    /// another format version. Returns the payload too. The graph's vectors and level-0 links stay in
    /// `region` (which it keeps alive): nothing large is copied.
    public static func deserialize(_ region: FileRegion) -> (HNSWIndex, [UInt8])? {
        guard var r = IndexReader(region.bytes, magic: magic), r.u32() == Int(formatVersion), let metricIndex = r.u8(),
              Int(metricIndex) < Metric.allCases.count, let dim = r.u32(), let m = r.u32(), let efc = r.u32(), let count = r.u32(),
              let maxLevel = r.u32().map({ Int(Int32(truncatingIfNeeded: $0)) }), let entry = r.u32(), let payload = r.array(UInt8.self),
              let levels = r.raw(UInt8.self, count: count) else { return nil }
        // Sizes are checked before anything is derived from them.
        guard dim >= 1, dim <= 65_536, m >= 1, m <= 2048, efc <= Int(Int32.max),
              count * dim * 4 <= region.count, count * (2 * m + 1) * 4 <= region.count else { return nil }
        var upper: [[UInt32]] = []
        upper.reserveCapacity(count)
        for _ in 0..<count {
            guard let block = r.array(UInt32.self) else { return nil }
            upper.append(block)
        }
        let maxM0 = 2 * max(m, 2)
        r.align(sectionAlignment)
        guard let links = r.bytes(count * (maxM0 + 1) * 4) else { return nil }
        r.align(sectionAlignment)
        guard let vectors = r.bytes(count * dim * 4), r.isAtEnd else { return nil }
        let index = HNSWIndex(dimension: dim, capacity: count, m: m, efConstruction: efc,
                              metric: Metric.allCases[Int(metricIndex)], seed: 100,
                              vectors: UnsafeMutableRawPointer(mutating: vectors.baseAddress!).assumingMemoryBound(to: Float.self),
                              level0: UnsafeMutableRawPointer(mutating: links.baseAddress!).assumingMemoryBound(to: UInt32.self),
                              region: region)
        guard index.restore(count: count, levels: levels, upper: upper, maxLevel: maxLevel, entryPoint: UInt32(entry)) else {
            return nil
        }
        return (index, payload)
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { fnv1a($0) }
    }

    static func fnv1a(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var sum = FNV1a()
        sum.update(raw)
        return sum.value
    }
}
