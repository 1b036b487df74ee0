import Glibc

/// A reader-writer lock that prefers writers, so that a stream of readers cannot starve a writer.
public final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    public init() {
        lock = .allocate(capacity: 1)
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

    public func lockShared() { pthread_rwlock_rdlock(lock) }
    public func lockExclusive() { pthread_rwlock_wrlock(lock) }
    public func unlock() { pthread_rwlock_unlock(lock) }

    public func withShared<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lockShared()
        defer { unlock() }
        return try body()
    }

    public func withExclusive<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lockExclusive()
        defer { unlock() }
        return try body()
    }
}
