import Storage

/// A loaded collection's rows in memory.
///
/// Locking: a reader-writer lock (writer-preferring) around the segment. Reads (query, get, filters) hold it
/// shared; the writer applies committed changes under the exclusive side, in commit order, before the write
/// is acknowledged.
public final class CollectionData: @unchecked Sendable {
    public let collectionID: Int64
    private let segment: Segment
    private let lock = ReadWriteLock()
    /// Built graphs and coverage; read and written under `lock` (see `readIndexes`/`writeIndexes`).
    private var indexState = IndexState()

    init(collectionID: Int64, schema: CollectionSchema) {
        self.collectionID = collectionID
        segment = Segment(schema: schema)
    }

    /// Runs `body` with shared access to the rows.
    public func read<T, E: Error>(_ body: (Segment) throws(E) -> T) throws(E) -> T {
        try lock.withShared { () throws(E) -> T in try body(segment) }
    }

    /// Runs `body` with shared access to the rows and the index state.
    func readIndexes<T, E: Error>(_ body: (Segment, IndexState) throws(E) -> T) throws(E) -> T {
        try lock.withShared { () throws(E) -> T in try body(segment, indexState) }
    }

    /// Changes the index state (exclusive).
    func writeIndexes<T>(_ body: (Segment, inout IndexState) -> T) -> T {
        lock.withExclusive { body(segment, &indexState) }
    }

    /// Runs `body` with exclusive access (committed changes only).
    func write<T, E: Error>(_ body: (Segment) throws(E) -> T) throws(E) -> T {
        try lock.withExclusive { () throws(E) -> T in try body(segment) }
    }
}
