/// An immutable snapshot of the catalog held in memory. LMDB is the source of truth; this snapshot is
/// rebuilt from it at start-up and replaced (never mutated in place) after each committed change, so a
/// reader holds a consistent view without locks.
struct CatalogState: Sendable {
    var databases: [Int64: DatabaseInfo] = [:]
    var databaseIDs: [String: Int64] = [:]
    var collections: [Int64: CollectionInfo] = [:]
    /// database id → collection name → collection id.
    var collectionIDs: [Int64: [String: Int64]] = [:]

    func database(named name: String) throws(SwiftvecError) -> DatabaseInfo {
        guard let id = databaseIDs[name], let db = databases[id] else { throw .databaseNotFound(name) }
        return db
    }

    func collectionID(database: DatabaseInfo, name: String) -> Int64? {
        collectionIDs[database.id]?[name]
    }

    func collection(database: String, name: String) throws(SwiftvecError) -> CollectionInfo {
        let db = try self.database(named: database)
        guard let id = collectionID(database: db, name: name), let c = collections[id] else {
            throw .collectionNotFound(database: database, name: name)
        }
        return c
    }

    /// Collections of a database in creation (id) order.
    func collections(in database: DatabaseInfo) -> [CollectionInfo] {
        (collectionIDs[database.id] ?? [:]).values.compactMap { collections[$0] }.sorted { $0.id < $1.id }
    }

    mutating func put(_ db: DatabaseInfo) {
        if let old = databases[db.id], old.name != db.name { databaseIDs[old.name] = nil }
        databases[db.id] = db
        databaseIDs[db.name] = db.id
    }

    mutating func removeDatabase(_ id: Int64) {
        if let old = databases.removeValue(forKey: id) { databaseIDs[old.name] = nil }
        collectionIDs[id] = nil
    }

    mutating func put(_ c: CollectionInfo) {
        if let old = collections[c.id] { collectionIDs[old.databaseID]?[old.name] = nil }
        collections[c.id] = c
        collectionIDs[c.databaseID, default: [:]][c.name] = c.id
    }

    mutating func removeCollection(_ id: Int64) {
        if let old = collections.removeValue(forKey: id) { collectionIDs[old.databaseID]?[old.name] = nil }
    }
}
