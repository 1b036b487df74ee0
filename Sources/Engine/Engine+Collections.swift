import Storage

extension Engine {
    /// Collection names of a database, in creation order.
    public func listCollections(database: String) throws(SwiftvecError) -> [String] {
        let s = snapshot
        return s.collections(in: try s.database(named: database)).map(\.name)
    }

    /// False when the collection does not exist (the database must exist).
    public func hasCollection(database: String, name: String) throws(SwiftvecError) -> Bool {
        let s = snapshot
        let db = try s.database(named: database)
        return s.collectionID(database: db, name: name) != nil || s.alias(database: db, name: name) != nil
    }

    public func describeCollection(database: String, name: String) throws(SwiftvecError) -> CollectionInfo {
        try snapshot.collection(database: database, name: name)
    }

    /// Creates a collection with its indexes and loads it if asked, as Milvus's create does, but in one
    /// transaction: if any step fails (a bad index parameter, a vector field left without an index), nothing
    /// is created. Re-creating an identical collection succeeds (and re-runs the index and load steps); a
    /// different one with the same name fails with 65535.
    public func createCollection(database: String, definition: CollectionDefinition, indexes: [IndexRequest] = [],
                                 load: Bool = false) throws(SwiftvecError) {
        try NameRules.validate(definition.name, kind: "collection")
        let schema = try definition.schema.validated()
        guard definition.shardsNum >= 1, definition.shardsNum <= CollectionDefinition.maxShards else {
            throw .invalidParameter("shardsNum \(definition.shardsNum) should be in range [1, \(CollectionDefinition.maxShards)]")
        }
        var partitionsNum = 1
        if schema.partitionKeyField != nil {
            partitionsNum = definition.partitionsNum ?? CollectionDefinition.defaultPartitionsNum
            guard partitionsNum >= 1, partitionsNum <= Self.maxPartitionsPerCollection else {
                throw .invalidParameter("partitionsNum \(partitionsNum) should be in range [1, \(Self.maxPartitionsPerCollection)]")
            }
        } else if definition.partitionsNum != nil && definition.partitionsNum != 1 && definition.partitionsNum != 0 {
            throw .invalidParameter("partitionsNum can only be set for a collection with a partition key field")
        }
        let initialProperties = try CollectionProperties.validated(definition.properties)

        try mutate { state, writer in
            let db = try state.database(named: database)
            if let existingID = state.collectionID(database: db, name: definition.name), let existing = state.collections[existingID] {
                let same = existing.schema == schema && existing.shardsNum == definition.shardsNum
                    && existing.consistencyLevel == definition.consistencyLevel && existing.partitions.count == partitionsNum
                guard same else {
                    throw SwiftvecError.unexpected("create duplicate collection with different parameters, collection: \(definition.name)")
                }
                var c = existing
                try Self.apply(indexes, to: &c, writer: writer)
                if load { try Self.markLoaded(&c) }
                if c != existing { try writer.store(c, in: &state) }
                return
            }
            if state.alias(database: db, name: definition.name) != nil {
                throw SwiftvecError.unexpected("collection name [\(definition.name)] conflicts with an existing alias, please choose a unique name")
            }
            guard state.collections.count < Self.maxCollections else {
                throw SwiftvecError(.collectionLimitExceeded, "exceeded the limit number of collections[limit=\(Self.maxCollections)]")
            }
            let now = Self.nowMillis()
            var partitions: [PartitionInfo] = []
            if schema.partitionKeyField != nil {
                for i in 0..<partitionsNum {
                    partitions.append(PartitionInfo(id: try writer.newID(), name: "\(PartitionInfo.defaultName)_\(i)", loaded: false, createdAt: now))
                }
            } else {
                partitions.append(PartitionInfo(id: try writer.newID(), name: PartitionInfo.defaultName, loaded: false, createdAt: now))
            }
            var properties = initialProperties
            if properties.value(of: "timezone") == nil { properties.append(Property("timezone", "UTC")) }
            var info = CollectionInfo(id: try writer.newID(), databaseID: db.id, name: definition.name, schema: schema,
                                      shardsNum: definition.shardsNum, consistencyLevel: definition.consistencyLevel,
                                      partitions: partitions, indexes: [], properties: properties,
                                      loadedAsCollection: false, createdAt: now, lastOperation: 0)
            try Self.apply(indexes, to: &info, writer: writer)
            if load { try Self.markLoaded(&info) }
            try writer.store(info, in: &state)
        }
        if load { try ensureLoaded(try describeCollection(database: database, name: definition.name)) }
    }

    /// Drops a collection; a missing one is a success, as in Milvus.
    public func dropCollection(database: String, name: String) throws(SwiftvecError) {
        try mutate { state, writer in
            let db = try state.database(named: database)
            guard let id = state.collectionID(database: db, name: name) else {
                if state.alias(database: db, name: name) != nil {
                    throw SwiftvecError.unexpected("cannot drop the collection via alias = \(name)")
                }
                return
            }
            let aliases = state.aliases(ofCollection: id).map(\.name)
            guard aliases.isEmpty else {
                throw SwiftvecError.unexpected("unable to drop the collection [\(name)] because it has associated aliases \(aliases), please remove all aliases before dropping the collection")
            }
            try writer.removeCollection(id, in: &state)
            let prefix = StorageKey.collectionPrefix(id)
            for table in [Table.rows, .pks, .deletes] { try writer.txn.deleteAll(table, prefix: prefix) }
        }
        // The collection is gone from the catalog; forget its rows in memory and its saved indexes too.
        let known = Set(snapshot.collections.keys)
        let gone = loaded.withLock { data in
            let gone = data.keys.filter { !known.contains($0) }
            data = data.filter { known.contains($0.key) }
            return gone
        }
        for id in gone { removeSavedIndexes(id) }
        for name in Self.listFiles(dataDirectory + "/indexes") where Int64(name).map({ !known.contains($0) }) ?? false {
            _ = Self.removeTree(dataDirectory + "/indexes/" + name)
        }
    }

    /// Renames a collection, possibly into another database; it keeps its id and data.
    public func renameCollection(database: String, name: String, newDatabase: String, newName: String) throws(SwiftvecError) {
        try NameRules.validate(newName, kind: "collection")
        try mutate { state, writer in
            let source = try state.database(named: database)
            if state.collectionID(database: source, name: name) == nil && state.alias(database: source, name: name) != nil {
                throw SwiftvecError.unexpected("unsupported use an alias to rename collection, alias:{\(name)}")
            }
            var c = try state.collection(database: database, name: name)
            let target = try state.database(named: newDatabase)
            if c.databaseID == target.id && c.name == newName { return }
            guard state.collectionID(database: target, name: newName) == nil && state.alias(database: target, name: newName) == nil else {
                throw SwiftvecError.unexpected("duplicated new collection name \(newName) in database \(newDatabase) with other collection name or alias")
            }
            if c.databaseID != target.id && !state.aliases(ofCollection: c.id).isEmpty {
                throw SwiftvecError.unexpected("fail to rename collection \(name) to database \(newDatabase): it has aliases, drop them first")
            }
            c.databaseID = target.id
            c.name = newName
            try writer.store(c, in: &state)
        }
    }

    /// Loads every partition. Requires an index on every vector field, as Milvus does.
    public func loadCollection(database: String, name: String) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: name)
            try Self.markLoaded(&c)
            try writer.store(c, in: &state)
        }
        try ensureLoaded(try describeCollection(database: database, name: name))
    }

    /// Marks every partition loaded; fails (700) if a vector field has no index.
    static func markLoaded(_ c: inout CollectionInfo) throws(SwiftvecError) {
        try requireVectorIndexes(c)
        c.loadedAsCollection = true
        for i in c.partitions.indices { c.partitions[i].loaded = true }
    }

    /// Reloads a loaded collection (picks up new segments and fields once there is data).
    public func refreshLoad(database: String, name: String) throws(SwiftvecError) {
        let c = try describeCollection(database: database, name: name)
        guard c.isLoaded else {
            throw SwiftvecError(.collectionNotLoaded, "collection not loaded[collection=\(c.id)]")
        }
        try Self.requireVectorIndexes(c)
    }

    public func releaseCollection(database: String, name: String) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: name)
            guard c.isLoaded || c.loadedAsCollection else { return }
            c.loadedAsCollection = false
            for i in c.partitions.indices { c.partitions[i].loaded = false }
            try writer.store(c, in: &state)
        }
        unload(try describeCollection(database: database, name: name).id)
    }

    /// The load state of the collection, or of the named partitions when `partitions` is not empty, and the
    /// load's progress in percent.
    public func loadState(database: String, name: String, partitions: [String] = []) throws(SwiftvecError) -> (state: LoadState, progress: Int) {
        let c = try describeCollection(database: database, name: name)
        let (state, progress) = loadStatus(c)
        guard !partitions.isEmpty else { return (state, progress) }
        var loaded = 0
        for p in partitions {
            guard let info = c.partition(named: p) else { throw .partitionNotFound(p) }
            if info.loaded { loaded += 1 }
        }
        guard loaded == partitions.count else { return (.notLoad, 0) }
        // The named partitions are loaded once the collection's rows are in memory.
        return state == .notLoad ? (.loading, 0) : (state, progress)
    }

    /// Number of live rows of the collection (or of one partition): exact, including unflushed writes.
    public func rowCount(database: String, name: String, partition: String? = nil) throws(SwiftvecError) -> Int64 {
        let c = try describeCollection(database: database, name: name)
        var partitionID: Int64?
        if let partition {
            guard let p = c.partition(named: partition) else { throw .partitionNotFound(partition) }
            partitionID = p.id
        }
        return try storedRowCount(c, partitionID: partitionID)
    }

    public func alterCollectionProperties(database: String, name: String, set properties: [Property]) throws(SwiftvecError) {
        let properties = try CollectionProperties.validated(properties)
        try mutate { state, writer in
            var c = try state.collection(database: database, name: name)
            for p in properties { c.properties.set(p.key, p.value) }
            try writer.store(c, in: &state)
        }
    }

    public func dropCollectionProperties(database: String, name: String, keys: [String]) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: name)
            let keys = keys.map(CollectionProperties.canonicalKey)
            c.properties.removeAll { keys.contains($0.key) }
            try writer.store(c, in: &state)
        }
    }

    static func requireVectorIndexes(_ c: CollectionInfo) throws(SwiftvecError) {
        let missing = c.schema.vectorFields.filter { c.index(onField: $0.name) == nil }.map(\.name)
        guard missing.isEmpty else {
            throw SwiftvecError(.indexNotFound,
                                "there is no vector index on field: [\(missing.joined(separator: ", "))], please create index firstly: index not found[collection=\(c.name)]")
        }
    }
}

/// Checks of the collection properties Swiftvec understands; other keys are kept as given.
enum CollectionProperties {
    /// `ttl.seconds` is Milvus's alias of `collection.ttl.seconds`.
    static func canonicalKey(_ key: String) -> String { key == "ttl.seconds" ? "collection.ttl.seconds" : key }

    /// Checks the values Swiftvec understands and returns the properties with canonical keys.
    static func validated(_ properties: [Property]) throws(SwiftvecError) -> [Property] {
        var result: [Property] = []
        for p in properties {
            switch p.key {
            case "collection.ttl.seconds", "ttl.seconds":
                guard let v = Int64(p.value), v >= -1, v <= 3_155_760_000 else {
                    throw .invalidParameter("collection TTL is out of range, expect [-1, 3155760000], got \(p.value)")
                }
            case "mmap.enabled", "partitionkey.isolation", "collection.autocompaction.enabled", "allow_insert_auto_id",
                 "lazyload.enabled":
                guard ["true", "false"].contains(p.value.lowercased()) else {
                    throw .invalidParameter("value of property \(p.key) should be true or false, got \(p.value)")
                }
            default:
                break
            }
            result.set(canonicalKey(p.key), p.value)
        }
        return result
    }
}
