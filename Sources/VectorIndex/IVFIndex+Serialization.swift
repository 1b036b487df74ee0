import VectorCore

/// The on-disk form of an IVF index: magic "SVIVF002", format version, metric, encoding (0 flat, 1 SQ8,
/// 2 PQ) with PQ's m, nbits and ksub, dimension, nlist, count, the caller's payload (length + bytes),
/// centroids, SQ8 offsets and scales or PQ codebooks, then each list (size, ids, codes), and an FNV-1a 64
/// checksum of everything before it. All integers little-endian.
extension IVFIndex {
    public static let magic: [UInt8] = Array("SVIVF002".utf8)

    public func serialized(payload: [UInt8]) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(1)
        out.append(UInt8(Metric.allCases.firstIndex(of: metric)!))
        switch encoding {
        case .flat: out.append(0); u32(0); u32(0)
        case .scalar8: out.append(1); u32(0); u32(0)
        case .product(let m, let nbits): out.append(2); u32(UInt32(m)); u32(UInt32(nbits))
        }
        u32(UInt32(ksub)); u32(UInt32(dimension)); u32(UInt32(nlist)); u32(UInt32(count))
        u32(UInt32(payload.count)); out.append(contentsOf: payload)
        for floats in [centroids, sqOffset, sqScale, codebooks] { floats.withUnsafeBytes { out.append(contentsOf: $0) } }
        for l in 0..<nlist {
            u32(UInt32(listIDs[l].count))
            listIDs[l].withUnsafeBytes { out.append(contentsOf: $0) }
            out.append(contentsOf: codes[l])
        }
        let checksum = HNSWIndex.fnv1a(out[...])
        withUnsafeBytes(of: checksum.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// An index from `serialized` output and its payload; nil if the bytes are truncated, damaged or
    /// inconsistent (every id once, every PQ code within its codebook).
    public static func deserialize(_ bytes: [UInt8]) -> (IVFIndex, [UInt8])? {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        let body = bytes[..<(bytes.count - 8)]
        var stored: UInt64 = 0
        withUnsafeMutableBytes(of: &stored) { $0.copyBytes(from: bytes[(bytes.count - 8)...]) }
        guard UInt64(littleEndian: stored) == HNSWIndex.fnv1a(body) else { return nil }
        var offset = magic.count
        func u32() -> Int? {
            guard offset + 4 <= body.count else { return nil }
            var v: UInt32 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + 4)]) }
            offset += 4
            return Int(UInt32(littleEndian: v))
        }
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, offset + n <= body.count else { return nil }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        func floats(_ n: Int) -> [Float]? { take(n * 4).map { s in s.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } } }
        guard u32() == 1, let metricByte = take(1)?.first, Int(metricByte) < Metric.allCases.count, let tag = take(1)?.first,
              let m = u32(), let nbits = u32(), let ksub = u32(), let dim = u32(), let nlist = u32(), let count = u32(),
              dim >= 1, dim <= 65_536, nlist >= 1, nlist <= max(count, 1), let payloadLength = u32(), let payload = take(payloadLength)
        else { return nil }
        let encoding: IVFEncoding
        switch tag {
        case 0: encoding = .flat
        case 1: encoding = .scalar8
        case 2:
            guard m >= 1, dim % m == 0, (1...16).contains(nbits), ksub >= 1, ksub <= 1 << nbits else { return nil }
            encoding = .product(m: m, nbits: nbits)
        default: return nil
        }
        let index = IVFIndex(dimension: dim, nlist: nlist, metric: Metric.allCases[Int(metricByte)], encoding: encoding)
        index.count = count
        index.ksub = ksub
        let sqCount = tag == 1 ? dim : 0
        guard let centroids = floats(nlist * dim), let low = floats(sqCount), let scale = floats(sqCount),
              let books = floats(tag == 2 ? ksub * dim : 0) else { return nil }
        index.centroids = centroids
        index.sqOffset = low
        index.sqScale = scale
        index.codebooks = books
        var seen = [Bool](repeating: false, count: count)
        let size = index.codeSize
        for _ in 0..<nlist {
            guard let n = u32(), let ids = take(n * 4), let listCodes = take(n * size) else { return nil }
            let list = ids.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
            for id in list {
                guard Int(id) < count, !seen[Int(id)] else { return nil }
                seen[Int(id)] = true
            }
            let codes = Array(listCodes)
            if case .product(let m, let nbits) = encoding {
                let ok = codes.withUnsafeBufferPointer { c in
                    (0..<n).allSatisfy { r in (0..<m).allSatisfy { index.productCode(c.baseAddress! + r * size, $0, wide: nbits > 8) < ksub } }
                }
                guard ok else { return nil }
            }
            index.listIDs.append(list)
            index.codes.append(codes)
        }
        guard offset == body.count, !seen.contains(false) else { return nil }
        return (index, Array(payload))
    }
}
