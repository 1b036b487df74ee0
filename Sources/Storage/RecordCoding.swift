/// Appends a compact binary record: fixed-width little-endian integers, length-prefixed strings.
/// Records start with a format version byte chosen by the caller, so that fields can be added later.
public struct RecordWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(256) }

    public mutating func write(_ v: UInt8) { bytes.append(v) }
    public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func write(_ v: Int32) { write(UInt64(UInt32(bitPattern: v)), width: 4) }
    public mutating func write(_ v: Int64) { write(UInt64(bitPattern: v), width: 8) }
    public mutating func write(_ v: UInt64) { write(v, width: 8) }
    public mutating func write(_ v: Double) { write(v.bitPattern, width: 8) }
    public mutating func write(_ s: String) {
        write(Int32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    public mutating func write(_ items: [String]) {
        write(Int32(items.count))
        for s in items { write(s) }
    }
    /// Writes an array's count followed by each element written by `body`.
    public mutating func write<T>(_ items: [T], _ body: (inout RecordWriter, T) -> Void) {
        write(Int32(items.count))
        for item in items { body(&self, item) }
    }

    /// Appends the raw (little-endian, this machine's) bytes of a buffer of trivial values.
    public mutating func writeRaw<T: BitwiseCopyable>(_ items: [T]) {
        items.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    private mutating func write(_ v: UInt64, width: Int) {
        var v = v
        for _ in 0..<width {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }
}

/// Reads what `RecordWriter` wrote; any truncation or bad length is `StorageError.corrupted`.
public struct RecordReader {
    private let bytes: [UInt8]
    private var offset = 0
    private let what: String

    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func readUInt8() throws -> UInt8 {
        guard offset < bytes.count else { throw StorageError.corrupted("\(what): truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }
    public mutating func readBool() throws -> Bool { try readUInt8() != 0 }
    public mutating func readInt32() throws -> Int32 { Int32(bitPattern: UInt32(try read(width: 4))) }
    public mutating func readInt64() throws -> Int64 { Int64(bitPattern: try read(width: 8)) }
    public mutating func readUInt64() throws -> UInt64 { try read(width: 8) }
    public mutating func readDouble() throws -> Double { Double(bitPattern: try read(width: 8)) }
    public mutating func readString() throws -> String {
        let n = Int(try readInt32())
        guard n >= 0, offset + n <= bytes.count else { throw StorageError.corrupted("\(what): bad string length") }
        defer { offset += n }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }
    public mutating func readStrings() throws -> [String] {
        try readArray { try $0.readString() }
    }
    public mutating func readArray<T>(_ body: (inout RecordReader) throws -> T) throws -> [T] {
        let n = Int(try readInt32())
        guard n >= 0, n <= bytes.count - offset else { throw StorageError.corrupted("\(what): bad array length") }
        var items: [T] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try body(&self)) }
        return items
    }

    /// Reads `count` trivial values written by `writeRaw`.
    public mutating func readRaw<T: BitwiseCopyable>(_ type: T.Type, count: Int) throws -> [T] {
        let n = count * MemoryLayout<T>.stride
        guard count >= 0, offset + n <= bytes.count else { throw StorageError.corrupted("\(what): truncated raw values") }
        let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
            }
            initialized = count
        }
        offset += n
        return result
    }

    private mutating func read(width: Int) throws -> UInt64 {
        guard offset + width <= bytes.count else { throw StorageError.corrupted("\(what): truncated") }
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = (v << 8) | UInt64(bytes[offset + i]) }
        offset += width
        return v
    }
}
