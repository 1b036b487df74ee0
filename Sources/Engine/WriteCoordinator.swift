import Glibc
import Storage

/// Runs data writes with group commit: concurrent requests are gathered into one LMDB transaction and
/// share its synced commit. Each request runs in its own nested transaction, so a request that fails leaves
/// no trace while the others of the batch commit. After the commit, each request's in-memory changes are
/// applied in order, before any of them is acknowledged (a client reads its own writes).
///
/// The first waiting request becomes the leader and runs the batch; the others sleep until it is done.
/// Locking: `mutex` guards `queue` and `leaderActive`; jobs are touched by their owner before submission and
/// after `done`, and by the leader in between.
final class WriteCoordinator: @unchecked Sendable {
    private let storage: LMDBEnvironment
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [Job] = []
    private var leaderActive = false

    final class Job: @unchecked Sendable {
        let work: (WriteTransaction) throws -> (() -> Void)?
        var afterCommit: (() -> Void)?
        var error: (any Error)?
        var done = false

        init(_ work: @escaping (WriteTransaction) throws -> (() -> Void)?) { self.work = work }
    }

    init(storage: LMDBEnvironment) {
        self.storage = storage
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
    }

    /// Runs `work` inside a shared write transaction. `work` returns what to apply in memory once the
    /// transaction has committed. Throws `work`'s error, or the commit's.
    func perform(_ work: @escaping (WriteTransaction) throws -> (() -> Void)?) throws {
        let job = Job(work)
        pthread_mutex_lock(mutex)
        queue.append(job)
        while !job.done {
            if !leaderActive {
                leaderActive = true
                let batch = queue
                queue = []
                pthread_mutex_unlock(mutex)
                run(batch)
                pthread_mutex_lock(mutex)
                leaderActive = false
                pthread_cond_broadcast(condition)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        pthread_mutex_unlock(mutex)
        if let error = job.error { throw error }
    }

    private func run(_ batch: [Job]) {
        do {
            try storage.write { txn in
                for job in batch {
                    // The whole body may run again after the map grows: start each job afresh.
                    job.error = nil
                    job.afterCommit = nil
                    job.error = try txn.nested { child in job.afterCommit = try job.work(child) }
                }
            }
            for job in batch where job.error == nil { job.afterCommit?() }
        } catch {
            for job in batch where job.error == nil { job.error = error }
        }
        pthread_mutex_lock(mutex)
        for job in batch { job.done = true }
        pthread_mutex_unlock(mutex)
    }
}
