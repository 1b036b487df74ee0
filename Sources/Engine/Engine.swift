import Glibc
import Logging
import Storage
import Synchronization

/// The database engine: catalog (databases, collections, partitions, index definitions), and later the
/// data. It knows nothing of HTTP or of wire shapes; the API layer translates requests into calls here.
///
/// Locking: `state` holds the current immutable `CatalogState`; readers copy it out under the mutex (a
/// retain) and work on the copy. Mutations are serialised by `catalogWriter`: they read the snapshot, write
/// LMDB in one synced transaction, and publish the new snapshot only after the commit.
public final class Engine: Sendable {
    let storage: LMDBEnvironment
    let logger: Logger
    private let state: Mutex<CatalogState>
    private let catalogWriter = Mutex<Void>(())
    /// Data writes with group commit.
    let writes: WriteCoordinator
    /// In-memory rows of the loaded collections.
    let loaded = Mutex<[Int64: CollectionData]>([:])
    /// Collections being loaded in the background (see Engine+Loading.swift).
    let loading = Mutex<[Int64: LoadJob]>([:])
    /// The background index builders.
    let builder: IndexBuilder
    /// Compaction ids handed out since start-up → collection id.
    let compactions = Mutex<[Int64: Int64]>([:])
    /// Rows in a growing tail before it is sealed and indexed.
    let segmentRows: Int
    /// Threads that build one graph together.
    let indexThreads: Int
    /// The data directory (LMDB under `lmdb/`, built indexes under `indexes/`).
    let dataDirectory: String
    /// Passwords already checked against their hashes.
    let credentials = CredentialCache()

    /// Limits, as in Milvus's default configuration.
    public static let maxDatabases = 64
    public static let maxCollections = 65_536
    public static let maxPartitionsPerCollection = 1_024

    /// Opens the data directory (creating it if needed) and loads the catalog.
    public init(dataDirectory: String, mapSize: Int = 1 << 30, maxMapSize: Int = 1 << 44, durable: Bool = true,
                indexThreads: Int = 2, segmentRows: Int = 100_000,
                logger: Logger = Logger(label: "swiftvec.engine")) throws(SwiftvecError) {
        self.logger = logger
        self.segmentRows = max(1, segmentRows)
        self.indexThreads = max(1, indexThreads)
        self.dataDirectory = dataDirectory
        builder = IndexBuilder(threads: indexThreads)
        try Self.makeDirectories(dataDirectory)
        do {
            storage = try LMDBEnvironment(directory: dataDirectory + "/lmdb", mapSize: mapSize, maxMapSize: maxMapSize,
                                          durable: durable)
        } catch {
            throw Self.translate(error)
        }
        state = Mutex(CatalogState())
        writes = WriteCoordinator(storage: storage)
        let catalog = try Self.translating { try self.loadCatalog() }
        state.withLock { $0 = catalog }
        try ensureBuiltInAccess()
        removeUnfinishedIndexFiles()
        // Small collections are loaded before the server listens; large ones in the background.
        for c in catalog.collections.values where c.isLoaded { try ensureLoaded(c) }
        logger.info("catalog loaded", metadata: ["databases": "\(catalog.databases.count)",
                                                 "collections": "\(catalog.collections.count)"])
    }

    /// Syncs and closes the storage. The engine must not be used afterwards.
    public func close() {
        builder.stop()
        catalogWriter.withLock { _ in storage.close() }
    }

    /// The current catalog snapshot.
    var snapshot: CatalogState { state.withLock { $0 } }

    private func loadCatalog() throws -> CatalogState {
        let formatVersion: UInt64 = 1
        // Create the default database and the format marker on first start.
        try storage.write { txn in
            let format = try txn.counter("format")
            if format == 0 {
                try txn.setCounter("format", formatVersion)
            } else if format > formatVersion {
                throw SwiftvecError(.serviceInternal, "data directory has format \(format); this swiftvec reads up to \(formatVersion)")
            }
            let key = StorageKey.catalog(kind: CatalogKind.database, id: DatabaseInfo.defaultID)
            if try txn.get(.catalog, key) == nil {
                let db = DatabaseInfo(id: DatabaseInfo.defaultID, name: DatabaseInfo.defaultName, properties: [],
                                      createdAt: Self.nowMillis())
                try txn.put(.catalog, key, db.encoded())
                _ = try txn.nextOperationNumber()
            }
        }
        var loaded = CatalogState()
        try storage.read { txn in
            try txn.scan(.catalog) { key, value in
                switch key.first {
                case CatalogKind.database: loaded.put(try DatabaseInfo(record: Array(value)))
                case CatalogKind.collection: loaded.put(try CollectionInfo(record: Array(value)))
                case CatalogKind.alias: loaded.put(try AliasInfo(record: Array(value)))
                case CatalogKind.user:
                    let user = try UserInfo(record: Array(value))
                    loaded.users[user.name] = user
                case CatalogKind.role:
                    let role = try RoleInfo(record: Array(value))
                    loaded.roles[role.name] = role
                case CatalogKind.privilegeGroup:
                    let group = try PrivilegeGroupInfo(record: Array(value))
                    loaded.privilegeGroups[group.name] = group
                default: throw StorageError.corrupted("unknown catalog key kind \(key.first ?? 0)")
                }
                return true
            }
        }
        return loaded
    }

    /// Runs a catalog mutation: `body` edits a copy of the snapshot and writes its records in one LMDB
    /// transaction; the copy is published only after a successful commit. If `body` throws, nothing changes.
    func mutate<T: Sendable>(_ body: (inout CatalogState, CatalogWriter) throws -> T) throws(SwiftvecError) -> T {
        try catalogWriter.withLock { _ throws(SwiftvecError) -> T in
            let current = snapshot
            var published = current
            let result = try Self.translating {
                try storage.write { txn in
                    var draft = current
                    let writer = CatalogWriter(txn: txn, operation: try txn.nextOperationNumber())
                    let r = try body(&draft, writer)
                    published = draft
                    return r
                }
            }
            state.withLock { $0 = published }
            return result
        }
    }

    static func translating<T>(_ body: () throws -> T) throws(SwiftvecError) -> T {
        do { return try body() } catch { throw translate(error) }
    }

    static func translate(_ error: any Error) -> SwiftvecError {
        switch error {
        case let e as SwiftvecError: return e
        case let e as StorageError:
            switch e {
            case .diskFull, .mapFull:
                return SwiftvecError(.quotaExceeded, "disk quota exceeded, the write was not applied: \(e)")
            default:
                return SwiftvecError(.serviceInternal, "service internal error: storage: \(e)")
            }
        default:
            return SwiftvecError(.serviceInternal, "service internal error: \(error)")
        }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(SwiftvecError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw SwiftvecError(.serviceInternal, "cannot create data directory \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Catalog key kinds (the first byte of a `catalog` key).
enum CatalogKind {
    static let database = UInt8(ascii: "D")
    static let collection = UInt8(ascii: "C")
    static let alias = UInt8(ascii: "A")
    static let user = UInt8(ascii: "U")
    static let role = UInt8(ascii: "R")
    static let privilegeGroup = UInt8(ascii: "G")
}

/// Writes catalog records inside a mutation's transaction and hands out ids.
struct CatalogWriter {
    let txn: WriteTransaction
    /// The operation number of this mutation.
    let operation: UInt64

    /// Writes a database record and puts it into the draft snapshot.
    func store(_ db: DatabaseInfo, in state: inout CatalogState) throws {
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.database, id: db.id), db.encoded())
        state.put(db)
    }

    /// Writes a collection record (stamped with this operation number) and puts it into the draft snapshot.
    func store(_ c: CollectionInfo, in state: inout CatalogState) throws {
        var c = c
        c.lastOperation = operation
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.collection, id: c.id), c.encoded())
        state.put(c)
    }

    func store(_ a: AliasInfo, in state: inout CatalogState) throws {
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.alias, id: a.id), a.encoded())
        state.put(a)
    }

    func removeAlias(_ id: Int64, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.alias, id: id))
        state.removeAlias(id)
    }

    func store(_ u: UserInfo, in state: inout CatalogState) throws {
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.user, id: u.id), u.encoded())
        state.users[u.name] = u
    }

    func removeUser(_ u: UserInfo, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.user, id: u.id))
        state.users[u.name] = nil
    }

    func store(_ r: RoleInfo, in state: inout CatalogState) throws {
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.role, id: r.id), r.encoded())
        state.roles[r.name] = r
    }

    func removeRole(_ r: RoleInfo, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.role, id: r.id))
        state.roles[r.name] = nil
    }

    func store(_ g: PrivilegeGroupInfo, in state: inout CatalogState) throws {
        try txn.put(.catalog, StorageKey.catalog(kind: CatalogKind.privilegeGroup, id: g.id), g.encoded())
        state.privilegeGroups[g.name] = g
    }

    func removePrivilegeGroup(_ g: PrivilegeGroupInfo, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.privilegeGroup, id: g.id))
        state.privilegeGroups[g.name] = nil
    }

    func removeDatabase(_ id: Int64, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.database, id: id))
        state.removeDatabase(id)
    }

    func removeCollection(_ id: Int64, in state: inout CatalogState) throws {
        try txn.delete(.catalog, StorageKey.catalog(kind: CatalogKind.collection, id: id))
        state.removeCollection(id)
    }

    /// A new id, never handed out before: a hybrid clock (milliseconds << 18, plus a counter) so that ids
    /// look like Milvus's and exceed 2^53, which keeps every client honest about 64-bit integers.
    func newID() throws -> Int64 {
        let last = try txn.counter("nextid")
        let next = max(last + 1, UInt64(Engine.nowMillis()) << 18)
        try txn.setCounter("nextid", next)
        return Int64(next)
    }
}
