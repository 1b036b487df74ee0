/// Compaction: a loaded collection's in-memory rows are rebuilt without its deleted rows (LMDB already
/// holds only live rows), its saved indexes are discarded, and its indexes are rebuilt in the background.
extension Engine {
    /// Starts a compaction; returns its id for `compactionState`.
    public func compact(database: String, collection: String) throws(SwiftvecError) -> Int64 {
        let c = try describeCollection(database: database, name: collection)
        let id = Int64(Self.nowMillis()) << 18 | Int64(c.id & 0x3FFFF)
        if loadedData(c.id) != nil {
            // Inside a write job, so that no commit falls between the rows read and the swap.
            try perform { txn in
                let data = try self.buildData(c, txn: txn.reader)
                return { [self] in
                    removeSavedIndexes(c.id)
                    loaded.withLock { $0[c.id] = data }
                }
            }
            scheduleBuilds(c.id, force: true)
        } else {
            removeSavedIndexes(c.id)
        }
        compactions.withLock { $0[id] = c.id }
        return id
    }

    /// `Completed` once every built index of the compacted collection covers all its sealed rows again (the
    /// compaction seals every row it rewrote), `Executing` before; nil for an unknown id.
    public func compactionState(_ id: Int64) throws(SwiftvecError) -> (executing: Int, completed: Int)? {
        guard let collectionID = compactions.withLock({ $0[id] }) else { return nil }
        guard let c = snapshot.collections[collectionID] else { return (0, 1) }
        var pending = 0
        for definition in c.indexes where Self.isGraphIndex(definition) {
            let (total, indexed) = try indexProgress(c, definition: definition)
            if indexed < total { pending += 1 }
        }
        return (pending, pending == 0 ? 1 : 0)
    }
}
