/// The named LMDB databases. All are opened once at start-up; their handles are cached.
///
/// Key layout (all integers big-endian, so that cursor order is id order):
/// - `meta`: short ASCII keys (`format`, `opnum`, `nextid`) → big-endian `UInt64`.
/// - `catalog`: one kind byte + 8-byte id → a record (see `RecordWriter`):
///   `D` + database id → database record; `C` + collection id → collection record (schema, partitions,
///   indexes, properties, load state); `A` + alias id → alias; `U`, `R`, `G` + id → user (with its password
///   hash and roles), role (with its grants), privilege group.
/// - `rows`: collection id + row id → the row's record (every field, the dynamic field, its partition).
/// - `pks`: collection id + encoded primary key + row id → empty (several rows may share a key, as in Milvus).
/// - `deletes`: collection id + row id → the operation number of the delete (for derived data built before it).
public enum Table: String, CaseIterable, Sendable {
    case meta
    case catalog
    case rows
    case pks
    case deletes
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

    /// Collection id followed by row id.
    public static func row(collection: Int64, row: Int64) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(16)
        appendBigEndian(UInt64(bitPattern: collection), to: &key)
        appendBigEndian(UInt64(bitPattern: row), to: &key)
        return key
    }

    /// The 8-byte prefix of every key of a collection.
    public static func collectionPrefix(_ collection: Int64) -> [UInt8] {
        var key: [UInt8] = []
        appendBigEndian(UInt64(bitPattern: collection), to: &key)
        return key
    }

    /// Collection id + tagged primary key (`I` + sign-flipped big-endian Int64, or `S` + UTF-8 + 0), the
    /// prefix of a primary key's entries in `pks`. Sign flipping keeps integer keys in numeric order.
    public static func primaryKeyPrefix(collection: Int64, int: Int64) -> [UInt8] {
        var key = collectionPrefix(collection)
        key.append(UInt8(ascii: "I"))
        appendBigEndian(UInt64(bitPattern: int) ^ (1 << 63), to: &key)
        return key
    }

    public static func primaryKeyPrefix(collection: Int64, string: String) -> [UInt8] {
        var key = collectionPrefix(collection)
        key.append(UInt8(ascii: "S"))
        key.append(contentsOf: string.utf8)
        key.append(0)
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
