import Storage

/// Compaction: when enough of a collection's rows are deleted, a loaded collection's in-memory rows are
/// rebuilt without them (LMDB already holds only live rows), its saved indexes are discarded, and its
/// indexes are rebuilt in the background; a released one has its saved indexes discarded, to be built over
/// the live rows at the next load. Otherwise it changes nothing and completes at once.
extension Engine {
    /// The share of a segment's rows that must be deleted before a compaction rewrites it: Milvus's
    /// `dataCoord.compaction.single.ratio.threshold` (0.2).
    static let compactionDeletedShare = 0.2

    /// Whether some segment of a loaded collection passes the threshold: the rows of one built index (a
    /// sealed segment, whichever field it indexes), counting rows deleted before a restart, or the rows no
    /// index covers yet (the growing tail, searched exactly, which holds its deleted rows in memory too).
    static func needsCompaction(_ segment: Segment, _ state: IndexState) -> Bool {
        for graphs in state.built.values {
            for graph in graphs where passes(deleted: graph.positions.count - graph.liveCount(in: segment), of: graph.positions.count) {
                return true
            }
        }
        let tail = min(state.built.keys.compactMap { state.coveredUpTo[$0] }.min() ?? 0, segment.count)..<segment.count
        return passes(deleted: tail.count - segment.liveCount(in: tail), of: tail.count)
    }

    /// Whether `deleted` of a segment's `rows` reach the threshold.
    static func passes(deleted: Int, of rows: Int) -> Bool {
        deleted > 0 && Double(deleted) >= compactionDeletedShare * Double(rows)
    }

    /// Whether some saved index of a released collection passes the threshold: the rows of its file that
    /// LMDB no longer holds (a delete removes the row from LMDB at once). A file that does not read back
    /// is discarded here as at load, to be rebuilt.
    func savedIndexesNeedCompaction(_ c: CollectionInfo) throws(SwiftvecError) -> Bool {
        let saved = readSavedIndexes(c).values.joined()
        return try Self.translating {
            try storage.read { txn in
                try saved.contains { file in
                    var live = 0
                    for rowID in file.rowIDs where try txn.withValue(.rows, StorageKey.row(collection: c.id, row: rowID), { $0 != nil }) {
                        live += 1
                    }
                    return Self.passes(deleted: file.rowIDs.count - live, of: file.rowIDs.count)
                }
            }
        }
    }

    /// Starts a compaction; returns its id for `compactionState`. Only when some segment passes the
    /// threshold is a loaded collection rewritten, or a released one's saved indexes discarded (so that its
    /// next load builds them over the live rows).
    public func compact(database: String, collection: String) throws(SwiftvecError) -> Int64 {
        let c = try describeCollection(database: database, name: collection)
        let id = Int64(Self.nowMillis()) << 18 | Int64(c.id & 0x3FFFF)
        if let current = loadedData(c.id) {
            if current.readIndexes(Self.needsCompaction) {
                // Inside a write job, so that no commit falls between the rows read and the swap.
                try perform { txn in
                    let data = try self.buildData(c, txn: txn.reader)
                    return { [self] in
                        // Swapped first, so that a build over the old rows that saves after this sees the swap
                        // and removes its own file (see `install`); and only over the rows it read, so that a
                        // release (or a reload) since then keeps its own.
                        let swapped = loaded.withLock {
                            guard $0[c.id] === current else { return false }
                            $0[c.id] = data
                            return true
                        }
                        if swapped { removeSavedIndexes(c.id) }
                    }
                }
                scheduleBuilds(c.id, force: true)
            }
        } else if try savedIndexesNeedCompaction(c) {
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
