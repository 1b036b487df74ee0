import Glibc

/// A pool of dedicated threads that build indexes in the background (CPU-bound work stays off the HTTP
/// workers and Swift's cooperative pool). Jobs run in submission order, one per thread at a time.
///
/// Locking: `mutex` guards `jobs`, `stopping` and `running`; `condition` wakes idle threads.
final class IndexBuilder: @unchecked Sendable {
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false
    private(set) var running = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []

    init(threads count: Int) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
        for _ in 0..<max(1, count) {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { arg in
                let builder = Unmanaged<IndexBuilder>.fromOpaque(arg!).takeRetainedValue()
                builder.work()
                return nil
            }, box)
            threads.append(thread)
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping else { return }
        jobs.append(job)
        pthread_cond_signal(condition)
    }

    /// Jobs queued or running.
    var pending: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return jobs.count + running
    }

    /// Stops taking jobs; queued ones are dropped, running ones finish (a build may still save its file),
    /// and the threads are joined.
    func stop() {
        pthread_mutex_lock(mutex)
        let alreadyStopping = stopping
        stopping = true
        jobs.removeAll()
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        guard !alreadyStopping else { return }
        for t in threads { pthread_join(t, nil) }
    }

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs.removeFirst()
            running += 1
            pthread_mutex_unlock(mutex)
            job()
            pthread_mutex_lock(mutex)
            running -= 1
            pthread_mutex_unlock(mutex)
        }
    }
}
