import CLMDB
import Glibc

/// The one LMDB environment of a data directory.
///
/// Locking: `gate` is a reader-writer lock. Every transaction (read or write) holds it shared for its whole
/// life; growing the map holds it exclusively, because LMDB allows `mdb_env_set_mapsize` only while this
/// process has no transaction open. `writerMutex` serialises write transactions in this process so that
/// a writer never waits for LMDB's own writer lock while holding the gate. Everything else is immutable
/// after `init`, so the class is `@unchecked Sendable`.
public final class LMDBEnvironment: @unchecked Sendable {
    public let path: String
    private let env: OpaquePointer
    private var dbis: [Table: MDB_dbi] = [:]
    private let gate = ReadWriteLock()
    private let writerMutex: UnsafeMutablePointer<pthread_mutex_t>
    private let lockFD: Int32
    private var mapSize: Int
    /// The map never grows past this many bytes.
    public let maxMapSize: Int
    /// When false, commits are not synced to disk (faster, but a power loss may drop acknowledged writes).
    public let durable: Bool
    private var closed = false

    /// Unmaps from this process the pages a large scan touched (they stay in the page cache, and the next
    /// read maps them back): after a collection is loaded into memory, its records need not count twice in
    /// the process's resident memory. Harmless to LMDB, whose map is read-only and file-backed (MADV_DONTNEED
    /// on a shared file mapping drops page-table entries, never data).
    public func releaseMappedPages() {
        // The gate keeps the map where it is until the advice is given: growing the map moves it, and the
        // old range may then hold other memory (a graph being built), which MADV_DONTNEED would zero.
        gate.lockShared()
        defer { gate.unlock() }
        guard !closed else { return }
        // LMDB does not tell where it mapped the file (`me_mapaddr` is only set for fixed maps): the process's
        // own map list does.
        guard let maps = fopen("/proc/self/maps", "r") else { return }
        defer { fclose(maps) }
        let file = path + "/data.mdb"
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = String(cString: line).trimmingSuffix()
            guard text.hasSuffix(" " + file), let dash = text.firstIndex(of: "-"), let space = text.firstIndex(of: " "),
                  let start = UInt(text[..<dash], radix: 16), let end = UInt(text[text.index(after: dash)..<space], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }

    /// Opens (creating if needed) the environment in `directory`, takes the directory lock, opens every
    /// table and checks the format version.
    public init(directory: String, mapSize: Int = 1 << 30, maxMapSize: Int = 1 << 44, durable: Bool = true) throws {
        self.path = directory
        self.maxMapSize = max(maxMapSize, mapSize)
        self.durable = durable
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw StorageError.failure(operation: "mkdir \(directory)", code: errno, message: Self.errnoText(errno))
        }
        // One server per data directory: LMDB would allow two processes, but each keeps in-memory state
        // derived from the data, and two of them would diverge.
        let fd = open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StorageError.failure(operation: "open \(directory)/LOCK", code: errno, message: Self.errnoText(errno))
        }
        // Retry briefly: a process that is exiting, or a child between fork and exec, may still hold it.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard attempts < 100 else {
                Glibc.close(fd)
                throw StorageError.locked(path: directory)
            }
            usleep(10_000)
        }
        lockFD = fd

        var envPointer: OpaquePointer?
        try Self.check(mdb_env_create(&envPointer), "mdb_env_create")
        env = envPointer!
        writerMutex = .allocate(capacity: 1)
        pthread_mutex_init(writerMutex, nil)

        // The map only reserves address space; the file grows with the data. Start from at least the
        // current file size so that reopening a large environment does not shrink the map.
        var st = stat()
        let existing = stat(directory + "/data.mdb", &st) == 0 ? Int(st.st_size) : 0
        self.mapSize = max(mapSize, existing)
        do {
            try Self.check(mdb_env_set_maxdbs(env, MDB_dbi(Table.allCases.count + 4)), "mdb_env_set_maxdbs")
            try Self.check(mdb_env_set_maxreaders(env, 1024), "mdb_env_set_maxreaders")
            try Self.check(mdb_env_set_mapsize(env, self.mapSize), "mdb_env_set_mapsize")
            // NOTLS: read transactions are not tied to threads (HTTP workers and builder threads share them).
            var flags = UInt32(MDB_NOTLS)
            if !durable { flags |= UInt32(MDB_NOSYNC) }
            try Self.check(mdb_env_open(env, directory, flags, 0o644), "mdb_env_open \(directory)")
            var dead: Int32 = 0
            mdb_reader_check(env, &dead)
            try openTables()
        } catch {
            mdb_env_close(env)
            Glibc.close(lockFD)
            throw error
        }
    }

    deinit { close() }

    /// Syncs and closes the environment and releases the directory lock. Idempotent. No transaction may be
    /// running (the server calls this after the HTTP workers and builders have stopped).
    public func close() {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard !closed else { return }
        closed = true
        mdb_env_sync(env, 1)
        mdb_env_close(env)
        Glibc.close(lockFD)
    }

    /// The current size of the memory map in bytes.
    public var currentMapSize: Int {
        gate.lockShared()
        defer { gate.unlock() }
        return mapSize
    }

    private func openTables() throws {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
        for table in Table.allCases {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, table.rawValue, UInt32(MDB_CREATE), &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                throw Self.error(rc, "mdb_dbi_open \(table.rawValue)")
            }
            dbis[table] = dbi
        }
        try Self.check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    func dbi(_ table: Table) -> MDB_dbi { dbis[table]! }
    var envPointer: OpaquePointer { env }

    /// Runs `body` in a read-only transaction. Copy bytes out before returning: values point into the map.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        gate.lockShared()
        defer { gate.unlock() }
        guard !closed else { throw StorageError.failure(operation: "read", code: 0, message: "environment is closed") }
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(environment: self, txn: txn!))
    }

    /// Runs `body` in one write transaction and commits it (synced when `durable`). If the map is full, the
    /// transaction is aborted, the map grows, and `body` runs again from the start: it must not have
    /// effects outside the transaction. An error thrown by `body` aborts the transaction and is rethrown.
    public func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        pthread_mutex_lock(writerMutex)
        defer { pthread_mutex_unlock(writerMutex) }
        while true {
            gate.lockShared()
            let attemptMapSize = mapSize
            do {
                guard !closed else {
                    throw StorageError.failure(operation: "write", code: 0, message: "environment is closed")
                }
                var txn: OpaquePointer?
                try Self.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(write)")
                let result: T
                do {
                    result = try body(WriteTransaction(environment: self, txn: txn!))
                } catch {
                    mdb_txn_abort(txn)
                    throw error
                }
                // On failure mdb_txn_commit frees the transaction itself.
                try Self.check(mdb_txn_commit(txn), "mdb_txn_commit")
                gate.unlock()
                return result
            } catch LMDBMapFull.full {
                gate.unlock()
                try grow(from: attemptMapSize)
            } catch {
                gate.unlock()
                throw error
            }
        }
    }

    /// Doubles the map (at most +4 GiB at a time), unless another writer already grew it.
    private func grow(from attemptSize: Int) throws {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard mapSize == attemptSize else { return }
        guard mapSize < maxMapSize else { throw StorageError.mapFull(mapSize: mapSize) }
        let newSize = min(maxMapSize, mapSize + min(mapSize, 4 << 30))
        let rc = mdb_env_set_mapsize(env, newSize)
        guard rc == 0 else { throw StorageError.mapFull(mapSize: mapSize) }
        mapSize = newSize
    }

    static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
        if rc != 0 { throw error(rc, operation()) }
    }

    static func error(_ rc: Int32, _ operation: String) -> any Error {
        switch rc {
        case MDB_MAP_FULL: return LMDBMapFull.full
        case ENOSPC, EDQUOT, EFBIG: return StorageError.diskFull("\(operation): \(String(cString: mdb_strerror(rc)))")
        // LMDB turns a short write into EIO; a full disk or file-size limit produces exactly that.
        case EIO: return StorageError.diskFull("\(operation): \(String(cString: mdb_strerror(rc))) (the disk is full or failing)")
        default: return StorageError.failure(operation: operation, code: rc, message: String(cString: mdb_strerror(rc)))
        }
    }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Internal signal that a write hit `MDB_MAP_FULL`; `write` turns it into a map growth and a retry.
enum LMDBMapFull: Error { case full }

private extension String {
    func trimmingSuffix() -> String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
