import VectorCore

/// The on-disk form of a graph:
/// magic "SVHNSW01", format version, metric, dimension, M, efConstruction, count, max level, entry point,
/// the caller's payload (length + bytes), levels, upper-level blocks (length + links per node), then, each
/// starting at a multiple of 64 bytes so that a mapped file can be used in place, the level-0 links and
/// the vectors; last an FNV-1a 64 checksum of everything before it. All integers little-endian.
extension HNSWIndex {
    /// 2: sections aligned for mapping (files of version 1 are rebuilt).
    public static let formatVersion: UInt32 = 2
    public static let magic: [UInt8] = Array("SVHNSW01".utf8)
    static let sectionAlignment = 64

    /// The graph and `payload` (bytes the caller wants stored with it, e.g. row ids) as one buffer.
    public func serialized(payload: [UInt8]) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func align() { out.append(contentsOf: repeatElement(0, count: (Self.sectionAlignment - out.count % Self.sectionAlignment) % Self.sectionAlignment)) }
        u32(Self.formatVersion)
        out.append(UInt8(Metric.allCases.firstIndex(of: metric)!))
        u32(UInt32(dimension)); u32(UInt32(m)); u32(UInt32(efConstruction)); u32(UInt32(count))
        i32(Int32(state.maxLevel)); u32(state.entryPoint)
        u32(UInt32(payload.count)); out.append(contentsOf: payload)
        out.append(contentsOf: state.levels)
        for block in state.upper {
            u32(UInt32(block.count))
            block.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        align()
        out.append(contentsOf: UnsafeRawBufferPointer(start: state.level0, count: count * (maxM0 + 1) * 4))
        align()
        out.append(contentsOf: UnsafeRawBufferPointer(start: state.vectors, count: count * dimension * 4))
        let checksum = out.withUnsafeBytes { Self.fnv1a($0) }
        withUnsafeBytes(of: checksum.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// `deserialize(_:)` over a copy of `bytes`.
    public static func deserialize(_ bytes: [UInt8]) -> (HNSWIndex, [UInt8])? {
        deserialize(FileRegion(copying: bytes))
    }

    /// Rebuilds a graph from `serialized` output; nil if the bytes are truncated, damaged (checksum) or of
    /// another format version. Returns the payload too. The graph's vectors and level-0 links stay in
    /// `region` (which it keeps alive): nothing large is copied.
    public static func deserialize(_ region: FileRegion) -> (HNSWIndex, [UInt8])? {
        let bytes = region.bytes
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        let bodyCount = bytes.count - 8
        guard UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bodyCount, as: UInt64.self))
                == fnv1a(UnsafeRawBufferPointer(rebasing: bytes[..<bodyCount])) else { return nil }
        var offset = magic.count
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard offset + MemoryLayout<T>.size <= bodyCount else { return nil }
            defer { offset += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        func take(_ n: Int) -> UnsafeRawBufferPointer? {
            guard n >= 0, offset + n <= bodyCount else { return nil }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        }
        func align() { offset += (sectionAlignment - offset % sectionAlignment) % sectionAlignment }
        guard read(UInt32.self) == formatVersion, let metricIndex = read(UInt8.self), Int(metricIndex) < Metric.allCases.count,
              let dim = read(UInt32.self), let m = read(UInt32.self), let efc = read(UInt32.self), let count = read(UInt32.self),
              let maxLevel = read(Int32.self), let entry = read(UInt32.self), let payloadLength = read(UInt32.self),
              let payload = take(Int(payloadLength)), let levels = take(Int(count)) else { return nil }
        // Sizes are checked before anything is derived from them.
        guard dim >= 1, dim <= 65_536, m >= 1, m <= 2048, efc <= UInt32(Int32.max),
              Int(count) * Int(dim) * 4 <= bodyCount, Int(count) * (2 * Int(m) + 1) * 4 <= bodyCount else { return nil }
        var upper: [[UInt32]] = []
        upper.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            guard let n = read(UInt32.self), let block = take(Int(n) * 4) else { return nil }
            upper.append(n == 0 ? [] : Array(block.bindMemory(to: UInt32.self)))
        }
        let maxM0 = 2 * max(Int(m), 2)
        align()
        guard let links = take(Int(count) * (maxM0 + 1) * 4) else { return nil }
        align()
        guard let vectors = take(Int(count) * Int(dim) * 4), offset == bodyCount else { return nil }
        let index = HNSWIndex(dimension: Int(dim), capacity: Int(count), m: Int(m), efConstruction: Int(efc),
                              metric: Metric.allCases[Int(metricIndex)], seed: 100,
                              vectors: UnsafeMutableRawPointer(mutating: vectors.baseAddress!).assumingMemoryBound(to: Float.self),
                              level0: UnsafeMutableRawPointer(mutating: links.baseAddress!).assumingMemoryBound(to: UInt32.self),
                              region: region)
        guard index.restore(count: Int(count), levels: Array(levels), upper: upper, maxLevel: Int(maxLevel), entryPoint: entry) else {
            return nil
        }
        return (index, Array(payload))
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { fnv1a($0) }
    }

    static func fnv1a(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
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
        return h
    }
}
