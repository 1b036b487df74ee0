/// Compaction: when enough of a loaded collection's rows are deleted, its in-memory rows are rebuilt
/// without them (LMDB already holds only live rows), its saved indexes are discarded, and its indexes are
/// rebuilt in the background. Otherwise it changes nothing and completes at once.
extension Engine {
    /// The share of a segment's rows that must be deleted before a compaction rewrites it: Milvus's
    /// `dataCoord.compaction.single.ratio.threshold` (0.2).
    static let compactionDeletedShare = 0.2

    /// Whether some segment of a loaded collection passes the threshold: the rows of one built index (a
    /// sealed segment, whichever field it indexes), counting rows deleted before a restart, or the rows no
    /// index covers yet (the growing tail, searched exactly, which holds its deleted rows in memory too).
    static func needsCompaction(_ segment: Segment, _ state: IndexState) -> Bool {
        func passes(deleted: Int, of rows: Int) -> Bool {
            deleted > 0 && Double(deleted) >= compactionDeletedShare * Double(rows)
        }
        for graphs in state.built.values {
            for graph in graphs where passes(deleted: graph.positions.count - graph.liveCount(in: segment), of: graph.positions.count) {
                return true
            }
        }
        let tail = min(state.built.keys.compactMap { state.coveredUpTo[$0] }.min() ?? 0, segment.count)..<segment.count
        return passes(deleted: tail.count - segment.liveCount(in: tail), of: tail.count)
    }

    /// Starts a compaction; returns its id for `compactionState`. A loaded collection is rewritten only
    /// when some segment passes the threshold; a released one has its saved indexes discarded, so that its
    /// next load builds them over the live rows.
    public func compact(database: String, collection: String) throws(SwiftvecError) -> Int64 {
        let c = try describeCollection(database: database, name: collection)
        let id = Int64(Self.nowMillis()) << 18 | Int64(c.id & 0x3FFFF)
        if let current = loadedData(c.id) {
            if current.readIndexes(Self.needsCompaction) {
                // Inside a write job, so that no commit falls between the rows read and the swap.
                try perform { txn in
                    let data = try self.buildData(c, txn: txn.reader)
                    return { [self] in
                        removeSavedIndexes(c.id)
                        loaded.withLock { $0[c.id] = data }
                    }
                }
                scheduleBuilds(c.id, force: true)
            }
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
