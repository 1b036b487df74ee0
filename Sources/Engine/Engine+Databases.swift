extension Engine {
    /// Database names, `default` first, then in creation order.
    public func listDatabases() -> [String] {
        snapshot.databases.values.sorted { $0.id < $1.id }.map(\.name)
    }

    public func describeDatabase(_ name: String) throws(SwiftvecError) -> DatabaseInfo {
        try snapshot.database(named: name)
    }

    /// Resolves a database name, failing with 800 when it does not exist.
    public func requireDatabase(_ name: String) throws(SwiftvecError) {
        _ = try snapshot.database(named: name)
    }

    public func createDatabase(_ name: String, properties: [Property]) throws(SwiftvecError) {
        try NameRules.validate(name, kind: "database", code: .invalidDatabaseName)
        try mutate { state, writer in
            guard state.databaseIDs[name] == nil else {
                throw SwiftvecError.unexpected("database already exist: \(name)")
            }
            guard state.databases.count < Self.maxDatabases else {
                throw SwiftvecError(.databaseLimitExceeded, "exceeded the limit number of database[limit=\(Self.maxDatabases)]")
            }
            let db = DatabaseInfo(id: try writer.newID(), name: name, properties: properties, createdAt: Self.nowMillis())
            try writer.store(db, in: &state)
        }
    }

    /// Drops an empty database. A missing one is a success (as for collections); `default` stays.
    public func dropDatabase(_ name: String) throws(SwiftvecError) {
        guard name != DatabaseInfo.defaultName else {
            throw SwiftvecError.invalidParameter("can not drop default database")
        }
        try mutate { state, writer in
            guard let id = state.databaseIDs[name] else { return }
            if let remaining = state.collectionIDs[id], !remaining.isEmpty {
                throw SwiftvecError.unexpected("can not drop database \(name): it still has \(remaining.count) collection(s), drop them first")
            }
            try writer.removeDatabase(id, in: &state)
        }
    }

    /// Sets (adds or replaces) database properties.
    public func alterDatabaseProperties(_ name: String, set properties: [Property]) throws(SwiftvecError) {
        try mutate { state, writer in
            var db = try state.database(named: name)
            for p in properties { db.properties.set(p.key, p.value) }
            try writer.store(db, in: &state)
        }
    }

    public func dropDatabaseProperties(_ name: String, keys: [String]) throws(SwiftvecError) {
        try mutate { state, writer in
            var db = try state.database(named: name)
            db.properties.removeAll { keys.contains($0.key) }
            try writer.store(db, in: &state)
        }
    }
}
