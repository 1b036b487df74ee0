/// Little-endian writing of an index file's fields, ending with the FNV-1a checksum the formats share.
struct IndexWriter {
    private(set) var bytes: [UInt8]

    init(magic: [UInt8]) { bytes = magic }

    mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func raw<T: BitwiseCopyable>(_ items: [T]) { items.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    mutating func raw(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }
    /// Zeros up to the next multiple of `alignment` (a section a mapped file is used from in place).
    mutating func align(_ alignment: Int) { bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment)) }
    /// A count, then the items.
    mutating func array<T: BitwiseCopyable>(_ items: [T]) {
        u32(items.count)
        raw(items)
    }

    /// The bytes with their checksum appended.
    func finished() -> [UInt8] {
        var out = bytes
        let checksum = bytes.withUnsafeBytes { HNSWIndex.fnv1a($0) }
        withUnsafeBytes(of: checksum.littleEndian) { out.append(contentsOf: $0) }
        return out
    }
}

/// Reads what `IndexWriter` wrote, after checking the magic and the checksum; every read is bounds-checked
/// and answers nil past the end.
struct IndexReader {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    private var offset: Int

    init?(_ bytes: UnsafeRawBufferPointer, magic: [UInt8]) {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        end = bytes.count - 8
        guard UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: end, as: UInt64.self))
                == HNSWIndex.fnv1a(UnsafeRawBufferPointer(rebasing: bytes[..<end])) else { return nil }
        self.bytes = bytes
        offset = magic.count
    }

    var isAtEnd: Bool { offset == end }

    mutating func u32() -> Int? {
        guard offset + 4 <= end else { return nil }
        defer { offset += 4 }
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    mutating func u8() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `n` bytes in place (no copy): valid as long as the buffer the reader reads.
    mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, n <= end - offset else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    /// Skips to the next multiple of `alignment` (see `IndexWriter.align`).
    mutating func align(_ alignment: Int) { offset += (alignment - offset % alignment) % alignment }

    /// `count` items written by `raw`.
    mutating func raw<T: BitwiseCopyable>(_: T.Type, count: Int) -> [T]? {
        let n = count * MemoryLayout<T>.stride
        guard count >= 0, n <= end - offset else { return nil }
        defer { offset += n }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            initialized = count
        }
    }

    /// Items written by `array`.
    mutating func array<T: BitwiseCopyable>(_ type: T.Type) -> [T]? {
        guard let n = u32() else { return nil }
        return raw(type, count: n)
    }
}
