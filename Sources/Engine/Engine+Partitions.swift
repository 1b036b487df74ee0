import Storage

extension Engine {
    public func listPartitions(database: String, collection: String) throws(SwiftvecError) -> [String] {
        try describeCollection(database: database, name: collection).partitions.map(\.name)
    }

    public func hasPartition(database: String, collection: String, partition: String) throws(SwiftvecError) -> Bool {
        try describeCollection(database: database, name: collection).partition(named: partition) != nil
    }

    /// Creates a partition; an existing one is a success. New partitions of a collection loaded as a whole
    /// are loaded too.
    public func createPartition(database: String, collection: String, partition: String) throws(SwiftvecError) {
        try NameRules.validate(partition, kind: "partition")
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            guard c.schema.partitionKeyField == nil else {
                throw SwiftvecError.invalidParameter("disable create partition if partition key mode is used")
            }
            guard c.partition(named: partition) == nil else { return }
            guard c.partitions.count < Self.maxPartitionsPerCollection else {
                throw SwiftvecError.invalidParameter("partition number (\(c.partitions.count)) exceeds max configuration (\(Self.maxPartitionsPerCollection))")
            }
            c.partitions.append(PartitionInfo(id: try writer.newID(), name: partition, loaded: c.loadedAsCollection,
                                              createdAt: Self.nowMillis()))
            try writer.store(c, in: &state)
        }
    }

    /// Drops a released partition; a missing one is a success; `_default` stays.
    public func dropPartition(database: String, collection: String, partition: String) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            guard c.schema.partitionKeyField == nil else {
                throw SwiftvecError.invalidParameter("disable drop partition if partition key mode is used")
            }
            guard partition != PartitionInfo.defaultName else {
                throw SwiftvecError.invalidParameter("default partition cannot be deleted")
            }
            guard let p = c.partition(named: partition) else { return }
            guard !p.loaded else {
                throw SwiftvecError.invalidParameter("partition \(partition) cannot be dropped, partition is loaded, please release it first")
            }
            c.partitions.removeAll { $0.name == partition }
            try writer.store(c, in: &state)
            // Delete the partition's rows and their keys.
            var doomed: [[UInt8]] = []
            try writer.txn.reader.scan(.rows, prefix: StorageKey.collectionPrefix(c.id)) { key, value in
                if Self.partitionID(ofRecord: value) == p.id { doomed.append(Array(key)) }
                return true
            }
            for key in doomed {
                guard let record = try writer.txn.get(.rows, key) else { continue }
                let (row, _) = try RowCodec.decode(record, schema: c.schema)
                let rowID = Int64(bitPattern: StorageKey.readBigEndian(key.withUnsafeBytes { $0 }, at: 8))
                if let pk = Segment.primaryKey(row.values[c.schema.fields.firstIndex(where: \.isPrimaryKey)!]) {
                    var pkKey = Self.primaryKeyPrefix(pk, collection: c.id)
                    StorageKey.appendBigEndian(UInt64(bitPattern: rowID), to: &pkKey)
                    try writer.txn.delete(.pks, pkKey)
                }
                try writer.txn.delete(.rows, key)
            }
        }
        let c = try describeCollection(database: database, name: collection)
        if let data = loadedData(c.id) {
            let live = Set(c.partitions.map(\.id))
            data.write { $0.deleteRows(outside: live) }
        }
    }

    /// Loads the named partitions (all must exist; the vector fields must be indexed).
    public func loadPartitions(database: String, collection: String, partitions: [String]) throws(SwiftvecError) {
        try setLoaded(true, database: database, collection: collection, partitions: partitions)
        try ensureLoaded(try describeCollection(database: database, name: collection))
    }

    public func releasePartitions(database: String, collection: String, partitions: [String]) throws(SwiftvecError) {
        try setLoaded(false, database: database, collection: collection, partitions: partitions)
        let c = try describeCollection(database: database, name: collection)
        if !c.isLoaded { unload(c.id) }
    }

    private func setLoaded(_ loaded: Bool, database: String, collection: String, partitions: [String]) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            guard c.schema.partitionKeyField == nil else {
                throw SwiftvecError.invalidParameter("disable \(loaded ? "load" : "release") partitions if partition key mode is used")
            }
            if loaded { try Self.requireVectorIndexes(c) }
            var released = false
            for name in partitions {
                guard let i = c.partitions.firstIndex(where: { $0.name == name }) else {
                    throw SwiftvecError.partitionNotFound(name)
                }
                released = released || (c.partitions[i].loaded && !loaded)
                c.partitions[i].loaded = loaded
            }
            // Releasing part of a collection turns a whole-collection load into a partial one.
            if released { c.loadedAsCollection = false }
            try writer.store(c, in: &state)
        }
    }
}
