/// The named LMDB databases. All are opened once at start-up; their handles are cached.
///
/// Key layout (all integers big-endian, so that cursor order is id order):
/// - `meta`: short ASCII keys (`format`, `opnum`, `nextid`) → big-endian `UInt64`.
/// - `catalog`: one kind byte + 8-byte id → a record (see `RecordWriter`):
///   `D` + database id → database record; `C` + collection id → collection record (schema, partitions,
///   indexes, properties, load state).
public enum Table: String, CaseIterable, Sendable {
    case meta
    case catalog
}

/// Builders for the keys of `Table`.
public enum StorageKey {
    /// A kind byte followed by a big-endian id.
    public static func catalog(kind: UInt8, id: Int64) -> [UInt8] {
        var key: [UInt8] = [kind]
        key.reserveCapacity(9)
        appendBigEndian(UInt64(bitPattern: id), to: &key)
        return key
    }

    public static func appendBigEndian(_ v: UInt64, to key: inout [UInt8]) {
        var v = v.bigEndian
        withUnsafeBytes(of: &v) { key.append(contentsOf: $0) }
    }

    public static func readBigEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        var v: UInt64 = 0
        withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 8])) }
        return UInt64(bigEndian: v)
    }
}
