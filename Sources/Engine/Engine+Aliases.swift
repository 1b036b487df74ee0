extension Engine {
    /// Points a new alias at a collection. Re-creating the same alias for the same collection succeeds, as in
    /// Milvus; an alias that names a collection is 1601, one already pointing elsewhere 1602.
    public func createAlias(database: String, alias: String, collection: String) throws(SwiftvecError) {
        try NameRules.validate(alias, kind: "alias")
        try mutate { state, writer in
            let db = try state.database(named: database)
            let target = try Self.aliasTarget(state: state, database: db, alias: alias, collection: collection)
            if let existing = state.alias(database: db, name: alias) {
                if existing.collectionID == target.id { return }
                let other = state.collections[existing.collectionID]?.name ?? "\(existing.collectionID)"
                throw SwiftvecError(.aliasAlreadyExists,
                                    "\(alias) is alias to another collection: \(other): alias already exist[database=\(database)][alias=\(alias)]")
            }
            try writer.store(AliasInfo(id: try writer.newID(), databaseID: db.id, name: alias, collectionID: target.id), in: &state)
        }
    }

    /// Re-points an existing alias.
    public func alterAlias(database: String, alias: String, collection: String) throws(SwiftvecError) {
        try mutate { state, writer in
            let db = try state.database(named: database)
            let target = try Self.aliasTarget(state: state, database: db, alias: alias, collection: collection)
            guard var existing = state.alias(database: db, name: alias) else { throw Self.aliasNotFound(database, alias) }
            existing.collectionID = target.id
            try writer.store(existing, in: &state)
        }
    }

    public func dropAlias(database: String, alias: String) throws(SwiftvecError) {
        try mutate { state, writer in
            let db = try state.database(named: database)
            guard let existing = state.alias(database: db, name: alias) else { throw Self.aliasNotFound(database, alias) }
            try writer.removeAlias(existing.id, in: &state)
        }
    }

    /// The name of the collection an alias points to.
    public func describeAlias(database: String, alias: String) throws(SwiftvecError) -> String {
        let s = snapshot
        let db = try s.database(named: database)
        guard let a = s.alias(database: db, name: alias), let c = s.collections[a.collectionID] else {
            throw Self.aliasNotFound(database, alias)
        }
        return c.name
    }

    /// Alias names of a database, or of one collection (named directly or through an alias), sorted.
    public func listAliases(database: String, collection: String?) throws(SwiftvecError) -> [String] {
        let s = snapshot
        let db = try s.database(named: database)
        if let collection {
            return s.aliases(ofCollection: try s.collection(database: database, name: collection).id).map(\.name)
        }
        return (s.aliasIDs[db.id] ?? [:]).keys.sorted()
    }

    /// Aliases of a collection, sorted (for `collections/describe`).
    public func aliases(of collection: CollectionInfo) -> [String] {
        snapshot.aliases(ofCollection: collection.id).map(\.name)
    }

    /// The collection an alias is to point to: it must exist under its own name (not through another alias),
    /// and the alias must not be a collection's name.
    private static func aliasTarget(state: CatalogState, database db: DatabaseInfo, alias: String,
                                    collection: String) throws(SwiftvecError) -> CollectionInfo {
        if state.collectionID(database: db, name: alias) != nil {
            throw SwiftvecError(.aliasCollectionConflict, "alias and collection name conflict[database=\(db.name)][alias=\(alias)]")
        }
        guard let id = state.collectionID(database: db, name: collection), let c = state.collections[id] else {
            if state.alias(database: db, name: collection) != nil {
                throw SwiftvecError(.aliasCollectionConflict,
                                    "\(collection) is an alias, an alias can only point to a collection: alias and collection name conflict[database=\(db.name)][alias=\(collection)]")
            }
            throw SwiftvecError.collectionNotFound(database: db.name, name: collection)
        }
        return c
    }

    static func aliasNotFound(_ database: String, _ alias: String) -> SwiftvecError {
        SwiftvecError(.aliasNotFound, "alias not found[database=\(database)][alias=\(alias)]")
    }
}
