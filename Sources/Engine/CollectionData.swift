import Glibc

/// A loaded collection's rows in memory.
///
/// Locking: a reader-writer lock around the segment. Reads (query, get, filters) hold it shared; the writer
/// applies committed changes under the exclusive side, in commit order, before the write is acknowledged.
public final class CollectionData: @unchecked Sendable {
    public let collectionID: Int64
    private let segment: Segment
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init(collectionID: Int64, schema: CollectionSchema) {
        self.collectionID = collectionID
        segment = Segment(schema: schema)
        lock = .allocate(capacity: 1)
        // Writer preference: a stream of long reads must not hold back the group-commit leader.
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attr)
        pthread_rwlockattr_destroy(&attr)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with shared access to the rows.
    public func read<T, E: Error>(_ body: (Segment) throws(E) -> T) throws(E) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(segment)
    }

    /// Runs `body` with exclusive access (committed changes only).
    func write<T, E: Error>(_ body: (Segment) throws(E) -> T) throws(E) -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(segment)
    }
}
