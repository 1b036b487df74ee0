import VectorCore

/// The on-disk form of a graph:
/// magic "SVHNSW01", format version, metric, dimension, M, efConstruction, count, max level, entry point,
/// the caller's payload (length + bytes), levels, level-0 links, upper-level blocks, vectors, and an
/// FNV-1a 64 checksum of everything before it. All integers little-endian.
extension HNSWIndex {
    public static let formatVersion: UInt32 = 1
    public static let magic: [UInt8] = Array("SVHNSW01".utf8)

    /// The graph and `payload` (bytes the caller wants stored with it, e.g. row ids) as one buffer.
    public func serialized(payload: [UInt8]) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(Self.formatVersion)
        out.append(UInt8(Metric.allCases.firstIndex(of: metric)!))
        u32(UInt32(dimension)); u32(UInt32(m)); u32(UInt32(efConstruction)); u32(UInt32(count))
        i32(Int32(state.maxLevel)); u32(state.entryPoint)
        u32(UInt32(payload.count)); out.append(contentsOf: payload)
        out.append(contentsOf: state.levels)
        out.append(contentsOf: UnsafeRawBufferPointer(start: state.level0, count: count * (maxM0 + 1) * 4))
        for block in state.upper {
            u32(UInt32(block.count))
            block.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: UnsafeRawBufferPointer(start: state.vectors, count: count * dimension * 4))
        let checksum = Self.fnv1a(out[...])
        withUnsafeBytes(of: checksum.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Rebuilds a graph from `serialized` output; nil if the bytes are truncated, damaged (checksum) or of
    /// another format version. Returns the payload too.
    public static func deserialize(_ bytes: [UInt8]) -> (HNSWIndex, [UInt8])? {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        let body = bytes[..<(bytes.count - 8)]
        var stored: UInt64 = 0
        withUnsafeMutableBytes(of: &stored) { $0.copyBytes(from: bytes[(bytes.count - 8)...]) }
        guard UInt64(littleEndian: stored) == fnv1a(body) else { return nil }
        var offset = magic.count
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= body.count else { return nil }
            var v = T.zero
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + size)]) }
            offset += size
            return T(littleEndian: v)
        }
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, offset + n <= body.count else { return nil }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        guard read(UInt32.self) == formatVersion, let metricIndex = take(1)?.first, Int(metricIndex) < Metric.allCases.count,
              let dim = read(UInt32.self), let m = read(UInt32.self), let efc = read(UInt32.self), let count = read(UInt32.self),
              let maxLevel = read(Int32.self), let entry = read(UInt32.self), let payloadLength = read(UInt32.self),
              let payload = take(Int(payloadLength)), let levels = take(Int(count)) else { return nil }
        // Sizes are checked before anything is allocated from them.
        guard dim >= 1, dim <= 65_536, m >= 1, m <= 2048, efc <= UInt32(Int32.max),
              Int(count) * Int(dim) * 4 <= body.count, Int(count) * (2 * Int(m) + 1) * 4 <= body.count else { return nil }
        let index = HNSWIndex(dimension: Int(dim), capacity: Int(count), m: Int(m), efConstruction: Int(efc),
                              metric: Metric.allCases[Int(metricIndex)])
        guard let links = take(Int(count) * (index.maxM0 + 1) * 4) else { return nil }
        links.withUnsafeBytes { UnsafeMutableRawPointer(index.state.level0).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var upper: [[UInt32]] = []
        upper.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            guard let n = read(UInt32.self), let block = take(Int(n) * 4) else { return nil }
            upper.append(block.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) })
        }
        guard let vectors = take(Int(count) * Int(dim) * 4), offset == body.count else { return nil }
        vectors.withUnsafeBytes { UnsafeMutableRawPointer(index.state.vectors).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard index.restore(count: Int(count), levels: Array(levels), upper: upper, maxLevel: Int(maxLevel), entryPoint: entry) else {
            return nil
        }
        return (index, Array(payload))
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBytes { raw in
            // Eight bytes at a time, then the tail: the checksum must not be the slow part of a restart.
            var i = 0
            let n = raw.count
            while i + 8 <= n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
                i += 8
            }
            while i < n {
                h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3
                i += 1
            }
        }
        return h
    }
}
