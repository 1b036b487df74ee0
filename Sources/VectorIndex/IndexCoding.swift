import Glibc

/// FNV-1a over 64-bit words (eight bytes at a time, then the tail byte by byte), fed in pieces of any size:
/// bytes short of a word wait for the next piece, so the sum is the same however the input is cut.
struct FNV1a {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325
    private var pending: UInt64 = 0
    private var pendingCount = 0

    mutating func update(_ raw: UnsafeRawBufferPointer) {
        var i = 0
        let n = raw.count
        while pendingCount > 0 && i < n {
            pending |= UInt64(raw[i]) << (8 * UInt64(pendingCount))
            pendingCount += 1
            i += 1
            if pendingCount == 8 {
                h = (h ^ pending) &* 0x100_0000_01b3
                pending = 0
                pendingCount = 0
            }
        }
        while i + 8 <= n {
            h = (h ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* 0x100_0000_01b3
            i += 8
        }
        while i < n {
            pending |= UInt64(raw[i]) << (8 * UInt64(pendingCount))
            pendingCount += 1
            i += 1
        }
    }

    /// The sum of everything fed so far (the last bytes short of a word taken one by one).
    var value: UInt64 {
        var h = h
        for k in 0..<pendingCount { h = (h ^ ((pending >> (8 * UInt64(k))) & 0xff)) &* 0x100_0000_01b3 }
        return h
    }
}

/// Little-endian writing of an index file's fields, ending with the FNV-1a checksum the formats share: into
/// memory, or straight to a file. A file is written through a 1 MiB buffer, and large sections (vectors,
/// links, lists) directly from where the index holds them, so saving an index never holds a copy of it (it
/// used to build the whole file in memory and copy it once more to append the checksum: twice the index's
/// size at the peak of a build).
public struct IndexWriter {
    private var bytes: [UInt8]
    /// -1: in memory.
    private let fd: Int32
    private var checksum = FNV1a()
    /// Bytes written so far (sections are aligned relative to the start of the file).
    private(set) var count = 0
    private var failed = false
    private static let chunk = 1 << 20

    init(magic: [UInt8], fd: Int32 = -1) {
        self.fd = fd
        bytes = []
        if fd >= 0 { bytes.reserveCapacity(Self.chunk) }
        magic.withUnsafeBytes { emit($0) }
    }

    /// A 32-bit little-endian integer (the low 32 bits of `v`).
    public mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { emit($0) } }
    /// One byte.
    public mutating func u8(_ v: UInt8) { withUnsafeBytes(of: v) { emit($0) } }
    /// The items' bytes as they are in memory (little-endian on every platform this runs on).
    public mutating func raw<T: BitwiseCopyable>(_ items: [T]) { items.withUnsafeBytes { emit($0) } }
    /// The bytes of `buffer`.
    public mutating func raw(_ buffer: UnsafeRawBufferPointer) { emit(buffer) }
    /// Zeros up to the next multiple of `alignment` (a section a mapped file is used from in place).
    public mutating func align(_ alignment: Int) {
        let zeros = [UInt8](repeating: 0, count: (alignment - count % alignment) % alignment)
        zeros.withUnsafeBytes { emit($0) }
    }
    /// A count, then the items.
    public mutating func array<T: BitwiseCopyable>(_ items: [T]) {
        u32(items.count)
        raw(items)
    }

    private mutating func emit(_ raw: UnsafeRawBufferPointer) {
        guard !raw.isEmpty else { return }
        checksum.update(raw)
        count += raw.count
        guard fd >= 0 else {
            bytes.append(contentsOf: raw)
            return
        }
        if bytes.count + raw.count > Self.chunk { flush() }
        if raw.count >= Self.chunk { writeAll(raw) } else { bytes.append(contentsOf: raw) }
    }

    private mutating func flush() {
        bytes.withUnsafeBytes { writeAll($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func writeAll(_ raw: UnsafeRawBufferPointer) {
        var written = 0
        while !failed && written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failed = true } else { written += n }
        }
    }

    /// The file `encode` writes after `magic`, in memory (each index type's `serialized(payload:)`).
    public static func bytes(magic: [UInt8], _ encode: (inout IndexWriter) -> Void) -> [UInt8] {
        var w = IndexWriter(magic: magic)
        encode(&w)
        return w.finished()
    }

    /// The same file written to `fd` as it is produced (each index type's `write(payload:to:)`); false if a
    /// write failed.
    public static func stream(magic: [UInt8], to fd: Int32, _ encode: (inout IndexWriter) -> Void) -> Bool {
        var w = IndexWriter(magic: magic, fd: fd)
        encode(&w)
        return w.finish()
    }

    /// In memory: the bytes with their checksum appended.
    private mutating func finished() -> [UInt8] {
        precondition(fd < 0, "finished() is for a writer in memory")
        withUnsafeBytes(of: checksum.value.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// To a file: appends the checksum and writes what is buffered; false if a write failed.
    private mutating func finish() -> Bool {
        precondition(fd >= 0, "finish() is for a writer to a file")
        withUnsafeBytes(of: checksum.value.littleEndian) { bytes.append(contentsOf: $0) }
        flush()
        return !failed
    }
}

/// Reads what `IndexWriter` wrote, after checking the magic and the checksum; every read is bounds-checked
/// and answers nil past the end.
public struct IndexReader {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    private var offset: Int

    /// A reader of `bytes`; nil unless they start with `magic` and end with the checksum of what lies between.
    public init?(_ bytes: UnsafeRawBufferPointer, magic: [UInt8]) {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        end = bytes.count - 8
        guard UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: end, as: UInt64.self))
                == HNSWIndex.fnv1a(UnsafeRawBufferPointer(rebasing: bytes[..<end])) else { return nil }
        self.bytes = bytes
        offset = magic.count
    }

    /// Whether every byte before the checksum has been read.
    public var isAtEnd: Bool { offset == end }

    /// A 32-bit little-endian integer.
    public mutating func u32() -> Int? {
        guard offset + 4 <= end else { return nil }
        defer { offset += 4 }
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// One byte.
    public mutating func u8() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `n` bytes in place (no copy): valid as long as the buffer the reader reads.
    public mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, n <= end - offset else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    /// Skips to the next multiple of `alignment` (see `IndexWriter.align`).
    public mutating func align(_ alignment: Int) { offset += (alignment - offset % alignment) % alignment }

    /// `count` items written by `raw`.
    public mutating func raw<T: BitwiseCopyable>(_: T.Type, count: Int) -> [T]? {
        let (n, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, n <= end - offset else { return nil }
        defer { offset += n }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            initialized = count
        }
    }

    /// Items written by `array`.
    public mutating func array<T: BitwiseCopyable>(_ type: T.Type) -> [T]? {
        guard let n = u32() else { return nil }
        return raw(type, count: n)
    }
}
