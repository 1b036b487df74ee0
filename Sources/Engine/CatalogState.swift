/// An immutable snapshot of the catalog held in memory. LMDB is the source of truth; this snapshot is
/// rebuilt from it at start-up and replaced (never mutated in place) after each committed change, so a
/// reader holds a consistent view without locks.
struct CatalogState: Sendable {
    var databases: [Int64: DatabaseInfo] = [:]
    var databaseIDs: [String: Int64] = [:]
    var collections: [Int64: CollectionInfo] = [:]
    /// database id → collection name → collection id.
    var collectionIDs: [Int64: [String: Int64]] = [:]
    var aliases: [Int64: AliasInfo] = [:]
    /// database id → alias name → alias id.
    var aliasIDs: [Int64: [String: Int64]] = [:]
    var users: [String: UserInfo] = [:]
    var roles: [String: RoleInfo] = [:]
    var privilegeGroups: [String: PrivilegeGroupInfo] = [:]

    func database(named name: String) throws(SwiftvecError) -> DatabaseInfo {
        guard let id = databaseIDs[name], let db = databases[id] else { throw .databaseNotFound(name) }
        return db
    }

    func collectionID(database: DatabaseInfo, name: String) -> Int64? {
        collectionIDs[database.id]?[name]
    }

    func alias(database: DatabaseInfo, name: String) -> AliasInfo? {
        aliasIDs[database.id]?[name].flatMap { aliases[$0] }
    }

    /// Aliases of a collection, by name.
    func aliases(ofCollection id: Int64) -> [AliasInfo] {
        aliases.values.filter { $0.collectionID == id }.sorted { $0.name < $1.name }
    }

    /// The collection named `name` in the database, or the one `name` is an alias of.
    func collection(database: String, name: String) throws(SwiftvecError) -> CollectionInfo {
        let db = try self.database(named: database)
        guard let id = collectionID(database: db, name: name) ?? alias(database: db, name: name)?.collectionID,
              let c = collections[id] else {
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
        aliasIDs[id] = nil
    }

    mutating func put(_ c: CollectionInfo) {
        if let old = collections[c.id] { collectionIDs[old.databaseID]?[old.name] = nil }
        collections[c.id] = c
        collectionIDs[c.databaseID, default: [:]][c.name] = c.id
    }

    mutating func removeCollection(_ id: Int64) {
        if let old = collections.removeValue(forKey: id) { collectionIDs[old.databaseID]?[old.name] = nil }
    }

    mutating func put(_ a: AliasInfo) {
        if let old = aliases[a.id] { aliasIDs[old.databaseID]?[old.name] = nil }
        aliases[a.id] = a
        aliasIDs[a.databaseID, default: [:]][a.name] = a.id
    }

    mutating func removeAlias(_ id: Int64) {
        if let old = aliases.removeValue(forKey: id) { aliasIDs[old.databaseID]?[old.name] = nil }
    }
}
