import Dispatch
import Glibc
import Storage
import Synchronization

/// A change committed while a collection was loading in the background, replayed before its rows are
/// published.
struct PendingChange: Sendable {
    var inserted: [(Int64, Int64, EntityRow)]
    var deleted: [Int64]
}

/// A collection being loaded in the background: how far its scan has come, and the changes committed after
/// the scan's snapshot.
final class LoadJob: Sendable {
    /// Live rows the scan will read (from the catalog's count when the load started).
    let total: Int64
    private let state = Mutex<(scanned: Int, changes: [PendingChange])>((0, []))

    init(total: Int64) { self.total = total }

    func advance(to scanned: Int) { state.withLock { $0.scanned = scanned } }

    func record(_ change: PendingChange) { state.withLock { $0.changes.append(change) } }

    func drain() -> [PendingChange] {
        state.withLock { s in
            defer { s.changes = [] }
            return s.changes
        }
    }

    /// 0...99: the share of rows read (100 is only reported once the rows are published).
    var percent: Int {
        let scanned = state.withLock { $0.scanned }
        return total > 0 ? min(99, scanned * 100 / Int(total)) : 99
    }
}

/// Loading: a collection's rows come into memory from a consistent LMDB snapshot. Small collections are
/// loaded before `load` returns; from `backgroundLoadRows` rows the scan runs on its own thread while writes
/// go on (their changes are kept by the `LoadJob` and replayed), and `get_load_state` reports
/// `LoadStateLoading` with the share read, as Milvus does.
extension Engine {
    /// Collections with at least this many rows load in the background.
    static let backgroundLoadRows: Int64 = 20_000

    /// Brings a collection's rows into memory if they are not there and not on their way.
    func ensureLoaded(_ c: CollectionInfo) throws(SwiftvecError) {
        guard loadedData(c.id) == nil, loading.withLock({ $0[c.id] }) == nil else { return }
        let total = try storedRowCount(c, partitionID: nil)
        guard total >= Self.backgroundLoadRows else {
            // A write job, so that no commit falls between the snapshot read and the moment the rows receive
            // changes.
            // The saved files are read before the write job, which needs only the rows.
            let saved = readSavedIndexes(c)
            try perform { txn in
                let data = try self.buildData(c, txn: txn.reader)
                // Saved indexes go into the new data before anyone can see it, so no build can race them.
                self.restoreIndexes(c, data, saved: saved)
                return { [self] in
                    // A release committed since the load began leaves the rows out of memory.
                    guard snapshot.collections[c.id]?.isLoaded == true else { return }
                    loaded.withLock { $0[c.id] = $0[c.id] ?? data }
                }
            }
            releaseTransientMemory()
            scheduleBuilds(c.id)
            return
        }
        let job = LoadJob(total: total)
        // Inside a write job the loader opens its read snapshot: the state committed before this batch. Every
        // change committed afterwards (this batch's included) is applied in memory after the commit, where
        // it finds the job registered and is kept for the replay.
        try perform { _ in
            guard self.loading.withLock({ loading in
                if loading[c.id] != nil { return false }
                loading[c.id] = job
                return true
            }) else { return nil }
            let started = DispatchSemaphore(value: 0)
            DispatchQueue.global().async { [self] in load(c, job, started: started) }
            started.wait()
            return nil
        }
    }

    /// The background half of a load: scan the snapshot, restore saved indexes, then (in a write job)
    /// replay the changes kept meanwhile and publish the rows, unless the collection was released or dropped.
    private func load(_ c: CollectionInfo, _ job: LoadJob, started: DispatchSemaphore) {
        var signalled = false
        // The saved graphs are read and checked on another thread while the rows are scanned.
        let saved = ResultBox<[String: [SavedIndex]]>([:])
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) { [self] in saved.value = readSavedIndexes(c) }
        defer { reading.wait() }
        do {
            let data = try Self.translating {
                try storage.read { txn in
                    started.signal()
                    signalled = true
                    Self.testPause("LOAD")
                    return try buildData(c, txn: txn, progress: job)
                }
            }
            reading.wait()
            restoreIndexes(c, data, saved: saved.value)
            try perform { _ in
                { [self] in
                    let changes = job.drain()
                    defer { loading.withLock { $0[c.id] = nil } }
                    guard let current = snapshot.collections[c.id], current.isLoaded else { return }
                    let live = Set(current.partitions.map(\.id))
                    data.write { segment in
                        for change in changes { segment.apply(change) }
                        // Partitions dropped during the load take their rows with them.
                        segment.deleteRows(outside: live)
                    }
                    loaded.withLock { $0[c.id] = $0[c.id] ?? data }
                }
            }
            releaseTransientMemory()
            logger.info("collection loaded", metadata: ["collection": "\(c.name)", "rows": "\(job.total)"])
            scheduleBuilds(c.id)
        } catch {
            if !signalled { started.signal() }
            loading.withLock { $0[c.id] = nil }
            logger.error("collection load failed; load it again", metadata: ["collection": "\(c.name)", "error": "\(error)"])
        }
    }

    /// After a load or an index build, what it used only in passing leaves the process: the LMDB pages a scan
    /// or the inserts mapped (still in the page cache) and the heap freed by per-row decoding, request
    /// bodies and a column's copy of the vectors an index now holds.
    func releaseTransientMemory() {
        storage.releaseMappedPages()
        _ = malloc_trim(0)
    }

    /// Failpoints for the tests, so that a test can act inside a window deterministically:
    /// `SWIFTVEC_TEST_LOAD_PAUSE_MS` holds every background load that long after its snapshot is taken,
    /// `SWIFTVEC_TEST_SAVE_PAUSE_MS` every index save before it writes anything.
    static func testPause(_ point: String) {
        guard let text = getenv("SWIFTVEC_TEST_\(point)_PAUSE_MS").map({ String(cString: $0) }), let ms = UInt32(text) else { return }
        usleep(ms * 1000)
    }

    /// Drops a collection's rows from memory unless the catalog says it is loaded again (a load that raced
    /// this release keeps its data, which writes have kept current).
    func unload(_ collection: Int64) {
        loaded.withLock { data in
            if snapshot.collections[collection]?.isLoaded != true { data[collection] = nil }
        }
    }

    /// The load state of a collection and its progress in percent.
    public func loadStatus(_ c: CollectionInfo) -> (LoadState, Int) {
        guard c.isLoaded else { return (.notLoad, 0) }
        if loadedData(c.id) != nil { return (.loaded, 100) }
        if let job = loading.withLock({ $0[c.id] }) { return (.loading, job.percent) }
        return (.notLoad, 0)
    }
}

/// glibc's `malloc_trim` (from malloc.h, which the Glibc module does not export): returns the free memory
/// at the top and inside the heap to the system.
@_silgen_name("malloc_trim")
private func malloc_trim(_ pad: Int) -> Int32
