import VectorCore

/// The on-disk form of an IVF index: magic "SVIVF002", format version, metric, encoding (0 flat, 1 SQ8,
/// 2 PQ) with PQ's m, nbits and ksub, dimension, nlist, count, the caller's payload (length + bytes),
/// centroids, SQ8 offsets and scales or PQ codebooks, then each list (size, ids, codes), and an FNV-1a 64
/// checksum of everything before it. All integers little-endian.
extension IVFIndex {
    public static let magic: [UInt8] = Array("SVIVF002".utf8)

    public func serialized(payload: [UInt8]) -> [UInt8] {
        var w = IndexWriter(magic: Self.magic)
        w.u32(1)
        w.u8(UInt8(Metric.allCases.firstIndex(of: metric)!))
        switch encoding {
        case .flat: w.u8(0); w.u32(0); w.u32(0)
        case .scalar8: w.u8(1); w.u32(0); w.u32(0)
        case .product(let m, let nbits): w.u8(2); w.u32(m); w.u32(nbits)
        }
        w.u32(ksub); w.u32(dimension); w.u32(nlist); w.u32(count)
        w.array(payload)
        for floats in [centroids, sqOffset, sqScale, codebooks] { w.raw(floats) }
        for l in 0..<nlist {
            w.array(listIDs[l])
            w.raw(codes[l])
        }
        return w.finished()
    }

    /// An index from `serialized` output and its payload; nil if the bytes are truncated, damaged or
    /// inconsistent (every id once, every PQ code within its codebook).
    public static func deserialize(_ bytes: UnsafeRawBufferPointer) -> (IVFIndex, [UInt8])? {
        guard var r = IndexReader(bytes, magic: magic), r.u32() == 1, let metricByte = r.u8(), Int(metricByte) < Metric.allCases.count,
              let tag = r.u8(), let m = r.u32(), let nbits = r.u32(), let ksub = r.u32(), let dim = r.u32(), let nlist = r.u32(),
              let count = r.u32(), dim >= 1, dim <= 65_536, nlist >= 1, nlist <= max(count, 1), let payload = r.array(UInt8.self)
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
        guard let centroids = r.raw(Float.self, count: nlist * dim), let low = r.raw(Float.self, count: sqCount),
              let scale = r.raw(Float.self, count: sqCount), let books = r.raw(Float.self, count: tag == 2 ? ksub * dim : 0) else { return nil }
        index.centroids = centroids
        index.sqOffset = low
        index.sqScale = scale
        index.codebooks = books
        var seen = [Bool](repeating: false, count: count)
        let size = index.codeSize
        for _ in 0..<nlist {
            guard let list = r.array(UInt32.self), let codes = r.raw(UInt8.self, count: list.count * size) else { return nil }
            for id in list {
                guard Int(id) < count, !seen[Int(id)] else { return nil }
                seen[Int(id)] = true
            }
            if case .product(let m, let nbits) = encoding {
                let ok = codes.withUnsafeBufferPointer { c in
                    (0..<list.count).allSatisfy { row in
                        (0..<m).allSatisfy { index.productCode(c.baseAddress! + row * size, $0, wide: nbits > 8) < ksub }
                    }
                }
                guard ok else { return nil }
            }
            index.listIDs.append(list)
            index.codes.append(codes)
        }
        guard r.isAtEnd, !seen.contains(false) else { return nil }
        return (index, payload)
    }
}
