import VectorCore

/// The on-disk form of an IVF index: magic "SVIVF002", format version, metric, encoding (0 flat, 1 SQ8,
/// 2 PQ) with PQ's m, nbits and ksub, dimension, nlist, count, the caller's payload (length + bytes),
/// centroids, SQ8 offsets and scales or PQ codebooks, the lists' first slots (nlist + 1), the slots' ids, the
/// slots' inverse norms (COSINE IVF_FLAT only), then, from a multiple of 64 bytes so that a mapped file is
/// used in place, every slot's code; last an FNV-1a 64 checksum of everything before it. All integers
/// little-endian.
extension IVFIndex {
    /// 2: one block of codes in slot order, used in place; COSINE IVF_FLAT rows kept as given (older files
    /// are rebuilt).
    public static let formatVersion = 2
    public static let magic: [UInt8] = Array("SVIVF002".utf8)

    public func serialized(payload: [UInt8]) -> [UInt8] { IndexWriter.bytes(magic: Self.magic) { encode(payload, into: &$0) } }

    public func write(payload: [UInt8], to fd: Int32) -> Bool { IndexWriter.stream(magic: Self.magic, to: fd) { encode(payload, into: &$0) } }

    private func encode(_ payload: [UInt8], into w: inout IndexWriter) {
        w.u32(Self.formatVersion)
        w.u8(UInt8(Metric.allCases.firstIndex(of: metric)!))
        switch encoding {
        case .flat: w.u8(0); w.u32(0); w.u32(0)
        case .scalar8: w.u8(1); w.u32(0); w.u32(0)
        case .product(let m, let nbits): w.u8(2); w.u32(m); w.u32(nbits)
        }
        w.u32(ksub); w.u32(dimension); w.u32(nlist); w.u32(count)
        w.array(payload)
        for floats in [centroids, sqOffset, sqScale, codebooks] { w.raw(floats) }
        w.raw(listStarts.map { UInt32($0) })
        w.raw(listIDs)
        w.raw(inverseNorms)
        w.align(HNSWIndex.sectionAlignment)
        w.raw(UnsafeRawBufferPointer(start: codes, count: count * codeSize))
    }

    /// An index from `serialized` output and its payload; nil if the bytes are truncated, damaged, of another
    /// format version or inconsistent (lists in order, every id once, inverse norms finite and not negative,
    /// every PQ code within its codebook).
    /// The codes stay in `region`, which the index keeps alive.
    public static func deserialize(_ region: FileRegion) -> (IVFIndex, [UInt8])? {
        guard var r = IndexReader(region.bytes, magic: magic), r.u32() == formatVersion, let metricByte = r.u8(),
              Int(metricByte) < Metric.allCases.count, let tag = r.u8(), let m = r.u32(), let nbits = r.u32(), let ksub = r.u32(),
              let dim = r.u32(), let nlist = r.u32(), let count = r.u32(), dim >= 1, dim <= 65_536, nlist >= 1,
              nlist <= max(count, 1), let payload = r.array(UInt8.self)
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
        let metric = Metric.allCases[Int(metricByte)]
        let index = IVFIndex(dimension: dim, nlist: nlist, metric: metric, encoding: encoding)
        let size = index.codeSize
        guard count * size <= region.count else { return nil }
        index.count = count
        index.ksub = ksub
        let sqCount = tag == 1 ? dim : 0
        guard let centroids = r.raw(Float.self, count: nlist * dim), let low = r.raw(Float.self, count: sqCount),
              let scale = r.raw(Float.self, count: sqCount), let books = r.raw(Float.self, count: tag == 2 ? ksub * dim : 0),
              let starts = r.raw(UInt32.self, count: nlist + 1), starts.first == 0, starts.last == UInt32(count),
              zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }), let ids = r.raw(UInt32.self, count: count),
              let norms = r.raw(Float.self, count: metric == .cosine && tag == 0 ? count : 0)
        else { return nil }
        r.align(HNSWIndex.sectionAlignment)
        guard let codes = r.bytes(count * size), r.isAtEnd else { return nil }
        guard norms.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        var seen = [Bool](repeating: false, count: count)
        for id in ids {
            guard Int(id) < count, !seen[Int(id)] else { return nil }
            seen[Int(id)] = true
        }
        if case .product(let m, let nbits) = encoding {
            let ok = (0..<count).allSatisfy { slot in
                (0..<m).allSatisfy { index.productCode(codes.baseAddress!.assumingMemoryBound(to: UInt8.self) + slot * size, $0, wide: nbits > 8) < ksub }
            }
            guard ok else { return nil }
        }
        index.centroids = centroids
        index.sqOffset = low
        index.sqScale = scale
        index.codebooks = books
        index.listStarts = starts.map { Int($0) }
        index.listIDs = ids
        index.inverseNorms = norms
        index.use(codes, in: region)
        return (index, payload)
    }
}
