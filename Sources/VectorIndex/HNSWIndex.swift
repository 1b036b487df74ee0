import Glibc
import CVectorSupport
import Synchronization
import VectorCore

/// A hierarchical navigable small-world graph (Malkov & Yashunin), laid out like hnswlib: vectors and
/// level-0 links in contiguous buffers indexed by dense `UInt32` ids, upper levels per node, a visited set
/// reset in O(1) by a generation tag.
///
/// Distances are "smaller is better" inside the graph: L2 as is, IP as the negated inner product, COSINE as
/// the negated inner product with the normalised query scaled by the row's inverse norm. Rows are kept as
/// given (not normalised), so that the engine can serve them as the collection's vectors: one copy in memory.
///
/// Thread safety: `addAll` inserts from several threads at once, as hnswlib does: each node's link lists
/// are read and written under that node's lock, and an insertion that raises the top level holds the global
/// lock throughout. `search` may run from many threads at once once the build is done (it takes no lock;
/// each search borrows its own visited set from a locked pool). `add` is the single-threaded form.
public final class HNSWIndex: @unchecked Sendable {
    public let dimension: Int
    public let m: Int
    public let maxM0: Int
    public let efConstruction: Int
    public let metric: Metric
    public private(set) var count = 0
    let capacity: Int
    private let levelMultiplier: Double
    private var rng: UInt64

    private let vectors: UnsafeMutablePointer<Float>
    /// COSINE only: 1 / ‖row‖ per id (0 for a zero row); nil for the other metrics.
    private let inverseNorms: UnsafeMutablePointer<Float>?
    /// Per node: [count, neighbour 0, ..., neighbour maxM0-1].
    private let level0: UnsafeMutablePointer<UInt32>
    /// Per node: its levels above 0, each [count, neighbour 0, ..., neighbour m-1], in a block of raw memory
    /// (nil for nodes on level 0 only). Raw, so that parallel inserts never mutate a shared Swift array.
    private let upperBlocks: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    private var levels: [UInt8]
    private var entryPoint: UInt32 = 0
    private var maxLevel = -1
    private let visitedPool = VisitedPool()
    /// One lock per node (its link lists), and the global one (entry point, top level). Used during `addAll`.
    /// One mutex per node, only while a parallel `addAll` runs (freed after: a built graph is read-only).
    private var nodeLocks: UnsafeMutablePointer<pthread_mutex_t>?
    private var globalLock = pthread_mutex_t()
    private var concurrent = false

    /// Keeps `vectors` and `level0` alive: the memory they were built in, or the saved file they point into.
    private let region: FileRegion

    public convenience init(dimension: Int, capacity: Int, m: Int, efConstruction: Int, metric: Metric, seed: UInt64 = 100) {
        let capacity = max(capacity, 1), maxM0 = 2 * max(m, 2)
        // Vectors then level-0 links in one region (huge pages when large, as a restarted server's mapped file).
        let vectorBytes = (capacity * dimension * MemoryLayout<Float>.stride + 4095) / 4096 * 4096
        let region = FileRegion(byteCount: vectorBytes + capacity * (maxM0 + 1) * MemoryLayout<UInt32>.stride)
        let level0 = (region.base + vectorBytes).bindMemory(to: UInt32.self, capacity: capacity * (maxM0 + 1))
        level0.initialize(repeating: 0, count: capacity * (maxM0 + 1))
        self.init(dimension: dimension, capacity: capacity, m: m, efConstruction: efConstruction, metric: metric, seed: seed,
                  vectors: region.base.bindMemory(to: Float.self, capacity: capacity * dimension), level0: level0, region: region)
    }

    /// A graph over given buffers: `capacity` rows of `dimension` floats and of `2m + 1` link slots.
    init(dimension: Int, capacity: Int, m: Int, efConstruction: Int, metric: Metric, seed: UInt64,
         vectors: UnsafeMutablePointer<Float>, level0: UnsafeMutablePointer<UInt32>, region: FileRegion) {
        self.dimension = dimension
        self.capacity = max(capacity, 1)
        self.m = max(m, 2)
        maxM0 = 2 * max(m, 2)
        self.efConstruction = max(efConstruction, m)
        self.metric = metric
        levelMultiplier = 1 / log(Double(max(m, 2)))
        rng = seed
        self.vectors = vectors
        self.level0 = level0
        self.region = region
        inverseNorms = metric == .cosine ? .allocate(capacity: self.capacity) : nil
        upperBlocks = .allocate(capacity: self.capacity)
        upperBlocks.initialize(repeating: nil, count: self.capacity)
        levels = []
        levels.reserveCapacity(self.capacity)
        pthread_mutex_init(&globalLock, nil)
    }

    deinit {
        for i in 0..<capacity { upperBlocks[i]?.deallocate() }
        upperBlocks.deallocate()
        inverseNorms?.deallocate()
    }

    /// The rows as added, `dimension` floats each, in id order; valid as long as the graph.
    public var storedVectors: UnsafePointer<Float> { UnsafePointer(vectors) }

    /// Fills in the inverse norm of rows `range` (COSINE).
    private func computeInverseNorms(_ range: Range<Int>) {
        guard let inverseNorms else { return }
        for i in range { inverseNorms[i] = Distance.inverseNorm(vectors + i * dimension, dimension) }
    }

    /// Runs `body` with row `id` as a query: the row itself, or for COSINE a normalised copy.
    @inline(__always) private func withQuery<T>(of id: UInt32, _ body: (UnsafePointer<Float>) -> T) -> T {
        guard let inverseNorms else { return body(vector(id)) }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension) { q in
            let v = vector(id), scale = inverseNorms[Int(id)]
            for d in 0..<dimension { q[d] = v[d] * scale }
            return body(UnsafePointer(q.baseAddress!))
        }
    }

    @inline(__always) private func lockNode(_ id: UInt32) { if concurrent { pthread_mutex_lock(nodeLocks! + Int(id)) } }
    @inline(__always) private func unlockNode(_ id: UInt32) { if concurrent { pthread_mutex_unlock(nodeLocks! + Int(id)) } }

    /// Inserts `count` vectors (rows of `dim` floats, as given: COSINE rows need not be normalised) using
    /// `threads` threads.
    /// Ids are the row numbers.
    public func addAll(_ rows: UnsafePointer<Float>, count n: Int, threads: Int) {
        precondition(count == 0 && n <= capacity, "addAll builds an empty graph")
        // Levels are drawn up front, in order, so the graph's shape does not depend on thread timing.
        levels = (0..<n).map { _ in UInt8(randomLevel()) }
        for i in 0..<n where levels[i] > 0 { upperBlocks[i] = allocateUpper(levels: Int(levels[i])) }
        (vectors).update(from: rows, count: n * dimension)
        computeInverseNorms(0..<n)
        count = n
        guard n > 0 else { return }
        entryPoint = 0
        maxLevel = Int(levels[0])
        let workers = max(1, min(threads, n / 1000 + 1))
        if workers > 1 {
            let locks = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: n)
            for i in 0..<n { pthread_mutex_init(locks + i, nil) }
            nodeLocks = locks
        }
        concurrent = workers > 1
        defer {
            concurrent = false
            if let locks = nodeLocks {
                for i in 0..<n { pthread_mutex_destroy(locks + i) }
                locks.deallocate()
                nodeLocks = nil
            }
        }
        let next = Atomic<Int>(1)
        let body = { [self] in
            while true {
                let id = next.add(1, ordering: .relaxed).oldValue
                if id >= n { return }
                insert(UInt32(id))
            }
        }
        if workers == 1 {
            body()
        } else {
            var handles: [pthread_t] = []
            for _ in 1..<workers {
                var t = pthread_t()
                let box = Unmanaged.passRetained(WorkBox(body))
                // Workers take ids from a shared counter, so a thread that cannot be created only costs speed.
                if pthread_create(&t, nil, { arg in
                    Unmanaged<WorkBox>.fromOpaque(arg!).takeRetainedValue().run()
                    return nil
                }, box.toOpaque()) == 0 {
                    handles.append(t)
                } else {
                    box.release()
                }
            }
            body()
            for t in handles { pthread_join(t, nil) }
        }
    }

    /// Links node `id` (vector and level already in place) into the graph.
    private func insert(_ id: UInt32) {
        let level = Int(levels[Int(id)])
        // The node's own lock is held until it is linked on every level, as hnswlib does. Once its upper
        // levels are linked other threads can reach it there; without the lock they descended through its
        // still empty lower lists and linked their own node to it alone. Such nodes were unreachable: 19 of
        // 30,000 8-d rows missed themselves at ef 64 after a 2-thread build, 2 after a 1-thread one (now 2
        // and 2). No deadlock: a thread only expands nodes already linked on the level it walks, and those
        // are further on in their insertion than it is.
        lockNode(id)
        defer { unlockNode(id) }
        pthread_mutex_lock(&globalLock)
        let top = maxLevel
        let entry = entryPoint
        let raisesTop = level > top
        if !raisesTop { pthread_mutex_unlock(&globalLock) }
        defer { if raisesTop { pthread_mutex_unlock(&globalLock) } }
        withQuery(of: id) { q in link(id, query: q, level: level, top: top, entry: entry) }
        if raisesTop {
            maxLevel = level
            entryPoint = id
        }
    }

    /// The linking part of `insert`: `q` is the node's row as a query.
    private func link(_ id: UInt32, query q: UnsafePointer<Float>, level: Int, top: Int, entry: UInt32) {
        var current = entry
        var currentDistance = distance(q, current)
        if level < top {
            for l in stride(from: top, to: level, by: -1) {
                (current, currentDistance) = greedy(q, from: current, distance: currentDistance, level: l)
            }
        }
        for l in stride(from: min(level, top), through: 0, by: -1) {
            let candidates = searchLayer(q, entry: current, entryDistance: currentDistance, ef: efConstruction, level: l, allowed: nil)
            let selected = selectNeighbours(candidates.filter { $0.id != id }, max: m)
            // The node's lock is held (see `insert`): no other thread has linked to it on this level yet.
            setNeighbours(id, level: l, selected.map(\.id))
            for s in selected { connect(s.id, to: id, level: l) }
            if let best = candidates.first(where: { $0.id != id }) {
                current = best.id
                currentDistance = best.distance
            }
        }
    }

    /// Bytes held: vectors, links and level bookkeeping.
    public var memoryBytes: Int {
        capacity * dimension * 4 + (inverseNorms == nil ? 0 : capacity * 4) + capacity * (maxM0 + 1) * 4 + levels.reduce(0) { $0 + Int($1) * (m + 1) * 4 } + levels.count
    }

    @inline(__always) private func vector(_ id: UInt32) -> UnsafePointer<Float> {
        UnsafePointer(vectors + Int(id) * dimension)
    }

    /// From row `a` to row `b`, as `distance` from row `a` taken as the query (COSINE: the product of the
    /// rows scaled by both inverse norms).
    @inline(__always) private func rowDistance(_ a: UInt32, _ b: UInt32) -> Float {
        if metric == .l2 { return Distance.l2(vector(a), vector(b), dimension) }
        let dot = Distance.dot(vector(a), vector(b), dimension)
        guard let inverseNorms else { return -dot }
        // A zero inverse norm (a zero row, or one whose norm overflows) scores -0, as its normalised copy did.
        let (scaleA, scaleB) = (inverseNorms[Int(a)], inverseNorms[Int(b)])
        if scaleA == 0 || scaleB == 0 { return -0.0 }
        return -(dot * scaleA * scaleB)
    }

    /// From a query (normalised for COSINE) to row `id`.
    @inline(__always) private func distance(_ q: UnsafePointer<Float>, _ id: UInt32) -> Float {
        if metric == .l2 { return Distance.l2(q, vector(id), dimension) }
        let dot = Distance.dot(q, vector(id), dimension)
        return -(inverseNorms.map { dot * $0[Int(id)] } ?? dot)
    }

    private func allocateUpper(levels: Int) -> UnsafeMutablePointer<UInt32> {
        let block = UnsafeMutablePointer<UInt32>.allocate(capacity: levels * (m + 1))
        block.initialize(repeating: 0, count: levels * (m + 1))
        return block
    }

    /// The buffers, for serialisation (upper levels copied out per node).
    var state: (vectors: UnsafeMutablePointer<Float>, level0: UnsafeMutablePointer<UInt32>, upper: [[UInt32]], levels: [UInt8],
                maxLevel: Int, entryPoint: UInt32) {
        let upper = (0..<count).map { i -> [UInt32] in
            guard let block = upperBlocks[i] else { return [] }
            return Array(UnsafeBufferPointer(start: block, count: Int(levels[i]) * (m + 1)))
        }
        return (vectors, level0, upper, levels, maxLevel, entryPoint)
    }

    /// Installs a deserialised graph's bookkeeping (vectors and level-0 links were filled in place) after
    /// checking its structure: a file that passed its checksum can still be wrong, and must not make a
    /// search read outside the buffers. Returns false when it does not hold together.
    func restore(count: Int, levels: [UInt8], upper: [[UInt32]], maxLevel: Int, entryPoint: UInt32) -> Bool {
        guard count <= capacity, levels.count == count, upper.count == count,
              count == 0 || (Int(entryPoint) < count && maxLevel >= 0 && maxLevel <= 30) else { return false }
        for i in 0..<count {
            let l = level0 + i * (maxM0 + 1)
            guard Int(l[0]) <= maxM0 else { return false }
            for j in 0..<Int(l[0]) where Int(l[1 + j]) >= count { return false }
            guard upper[i].count == Int(levels[i]) * (m + 1), Int(levels[i]) <= maxLevel else { return false }
            for level in 0..<Int(levels[i]) {
                let start = level * (m + 1)
                guard Int(upper[i][start]) <= m else { return false }
                // A neighbour on graph level `level + 1` must itself reach that level (else no block to walk).
                for j in 0..<Int(upper[i][start]) {
                    let nb = Int(upper[i][start + 1 + j])
                    guard nb < count, Int(levels[nb]) > level else { return false }
                }
            }
        }
        guard count == 0 || Int(levels[Int(entryPoint)]) == maxLevel else { return false }
        computeInverseNorms(0..<count)
        self.count = count
        self.levels = levels
        for i in 0..<count where levels[i] > 0 {
            let block = allocateUpper(levels: Int(levels[i]))
            upper[i].withUnsafeBufferPointer { block.update(from: $0.baseAddress!, count: $0.count) }
            upperBlocks[i] = block
        }
        self.maxLevel = maxLevel
        self.entryPoint = entryPoint
        return true
    }

    private func randomLevel() -> Int {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        let u = Double((rng >> 11) | 1) / Double(1 << 53)
        return min(Int(-log(u) * levelMultiplier), 30)
    }

    @inline(__always) private func links(_ id: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        precondition(level == 0)
        return level0 + Int(id) * (maxM0 + 1)
    }

    /// Node `id`'s list on `level`: [count, neighbour 0, ...].
    @inline(__always) private func linkBlock(_ id: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        level == 0 ? links(id, level: 0) : upperBlocks[Int(id)]! + (level - 1) * (m + 1)
    }

    /// Runs `body` over node `id`'s neighbours on `level`: the list itself on a built graph, a copy taken
    /// under the node's lock while a parallel build may rewrite it. No allocation (the traversal's hot path).
    @inline(__always)
    private func withNeighbours<T>(_ id: UInt32, level: Int, _ body: (UnsafeBufferPointer<UInt32>) -> T) -> T {
        let block = linkBlock(id, level: level)
        guard concurrent else { return body(UnsafeBufferPointer(start: block + 1, count: Int(block[0]))) }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: maxM0) { copy in
            lockNode(id)
            let n = Int(block[0])
            for i in 0..<n { copy[i] = block[1 + i] }
            unlockNode(id)
            return body(UnsafeBufferPointer(rebasing: copy[0..<n]))
        }
    }

    /// Node `id`'s neighbours on `level`, copied, for a caller that already holds the node's lock.
    private func neighboursUnlocked(_ id: UInt32, level: Int) -> [UInt32] {
        let block = linkBlock(id, level: level)
        return Array(UnsafeBufferPointer(start: block + 1, count: Int(block[0])))
    }

    private func setNeighbours(_ id: UInt32, level: Int, _ list: [UInt32]) {
        let block = linkBlock(id, level: level)
        block[0] = UInt32(list.count)
        for (i, n) in list.enumerated() { block[1 + i] = n }
    }

    /// Adds a vector (as given; COSINE rows need not be normalised); returns its id.
    @discardableResult
    public func add(_ vector: UnsafePointer<Float>) -> UInt32 {
        precondition(count < capacity, "HNSW capacity exceeded")
        let id = UInt32(count)
        (vectors + Int(id) * dimension).update(from: vector, count: dimension)
        computeInverseNorms(Int(id)..<Int(id) + 1)
        let level = randomLevel()
        levels.append(UInt8(level))
        if level > 0 { upperBlocks[Int(id)] = allocateUpper(levels: level) }
        count += 1
        guard maxLevel >= 0 else {
            entryPoint = id
            maxLevel = level
            return id
        }
        insert(id)
        return id
    }

    /// Adds `neighbour` to `node`'s list at `level`, pruning with the heuristic when full.
    private func connect(_ node: UInt32, to neighbour: UInt32, level: Int) {
        lockNode(node)
        defer { unlockNode(node) }
        if level == 0 {
            let l = links(node, level: 0)
            let n = Int(l[0])
            for i in 0..<n where l[1 + i] == neighbour { return }
            if n < maxM0 {
                l[1 + n] = neighbour
                l[0] = UInt32(n + 1)
                return
            }
        }
        let limit = level == 0 ? maxM0 : m
        var list = neighboursUnlocked(node, level: level)
        if list.contains(neighbour) { return }
        if list.count < limit {
            list.append(neighbour)
            setNeighbours(node, level: level, list)
            return
        }
        var candidates = (list + [neighbour]).map { (distance: rowDistance(node, $0), id: $0) }
        candidates.sort { $0.distance < $1.distance }
        setNeighbours(node, level: level, selectNeighbours(candidates, max: limit).map(\.id))
    }

    /// hnswlib's heuristic: keep a candidate only if it is closer to the base than to every kept one.
    private func selectNeighbours(_ sorted: [(distance: Float, id: UInt32)], max limit: Int) -> [(distance: Float, id: UInt32)] {
        if sorted.count <= limit { return sorted }
        // No closure here: one over `self` cost a retain and a release per candidate, an atomic on a line
        // the other build threads share.
        var kept: [(distance: Float, id: UInt32)] = []
        kept.reserveCapacity(limit)
        for c in sorted {
            if kept.count >= limit { break }
            var diverse = true
            for i in kept.indices where !(rowDistance(c.id, kept[i].id) > c.distance) {
                diverse = false
                break
            }
            if diverse { kept.append(c) }
        }
        return kept
    }

    private func greedy(_ q: UnsafePointer<Float>, from start: UInt32, distance d0: Float, level: Int) -> (UInt32, Float) {
        var current = start, best = d0
        var changed = true
        while changed {
            changed = false
            withNeighbours(current, level: level) { list in
                for n in list {
                    let d = distance(q, n)
                    if d < best {
                        best = d
                        current = n
                        changed = true
                    }
                }
            }
        }
        return (current, best)
    }

    /// The ef-search on one level: candidates best first. With `allowed`, rejected nodes guide the walk but
    /// are not returned.
    private func searchLayer(_ q: UnsafePointer<Float>, entry: UInt32, entryDistance: Float, ef: Int, level: Int,
                             allowed: ((UInt32) -> Bool)?) -> [(distance: Float, id: UInt32)] {
        let visited = visitedPool.borrow(capacity: capacity)
        defer { visitedPool.giveBack(visited) }
        visited.visit(entry)
        let reserve = min(ef, count) + 1
        var candidates = DistanceHeap(capacity: reserve * 2, maxOnTop: false)  // to expand, closest first
        var results = DistanceHeap(capacity: reserve, maxOnTop: true)          // kept, farthest on top
        candidates.push(entryDistance, entry)
        if allowed?(entry) ?? true { results.push(entryDistance, entry) }
        var bound = results.count > 0 ? entryDistance : Float.infinity
        while let (d, id) = candidates.pop() {
            if d > bound && results.count >= ef { break }
            if level == 0 {
                let l = links(id, level: 0)
                if concurrent { lockNode(id) }
                let n = Int(l[0])
                // While building, copy the list under the node's lock (another thread may rewrite it).
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: maxM0) { list in
                    // Only unvisited neighbours are kept, and their vectors are prefetched before the first
                    // distance: the loads of the whole list overlap instead of missing the cache one by one.
                    var fresh = 0
                    for i in 0..<n { visited.prefetch(l[1 + i]) }
                    for i in 0..<n {
                        let nb = l[1 + i]
                        if visited.isVisited(nb) { continue }
                        visited.visit(nb)
                        svx_prefetch(vectors + Int(nb) * dimension)
                        if let inverseNorms { svx_prefetch(inverseNorms + Int(nb)) }
                        list[fresh] = nb
                        fresh += 1
                    }
                    if concurrent { unlockNode(id) }
                for i in 0..<fresh {
                    let nb = list[i]
                    if i + 1 < fresh { svx_prefetch(vectors + Int(list[i + 1]) * dimension + 16) }
                    let dn = distance(q, nb)
                    if results.count < ef || dn < bound {
                        candidates.push(dn, nb)
                        // A candidate may be expanded soon: start loading its links now, so that they
                        // arrive while other nodes are expanded (hnswlib gets this from storing them next
                        // to the vector).
                        let candidateLinks = links(nb, level: 0)
                        svx_prefetch(candidateLinks)
                        svx_prefetch(candidateLinks + 16)
                        // While building, its lock too: the locks sit apart from the links, and taking one
                        // that is not in the cache cost 13% of a 2-thread build.
                        if concurrent { svx_prefetch(nodeLocks! + Int(nb)) }
                        if allowed?(nb) ?? true {
                            results.keep(dn, nb, limit: ef)
                            bound = results.top?.distance ?? .infinity
                        }
                    }
                }
                }
            } else {
                withNeighbours(id, level: level) { list in
                    for nb in list where !visited.isVisited(nb) {
                        visited.visit(nb)
                        let dn = distance(q, nb)
                        if results.count < ef || dn < bound {
                            candidates.push(dn, nb)
                            results.keep(dn, nb, limit: ef)
                            bound = results.top?.distance ?? .infinity
                        }
                    }
                }
            }
        }
        return results.sortedAscending()
    }

    /// The `k` nearest ids to `query` (already prepared) with search width `ef` (at least `k`); internal
    /// distances, best first. `allowed` filters inside the traversal.
    public func search(_ query: UnsafePointer<Float>, k: Int, ef: Int, allowed: ((UInt32) -> Bool)? = nil) -> [(distance: Float, id: UInt32)] {
        guard count > 0, k > 0 else { return [] }
        var current = entryPoint
        var currentDistance = distance(query, current)
        if maxLevel > 0 {
            for l in stride(from: maxLevel, to: 0, by: -1) {
                (current, currentDistance) = greedy(query, from: current, distance: currentDistance, level: l)
            }
        }
        let found = searchLayer(query, entry: current, entryDistance: currentDistance, ef: max(ef, k), level: 0, allowed: allowed)
        return Array(found.prefix(k))
    }
}

/// A visited set over ids: one bit per id, so that a 100,000-row graph's set (12.5 KB) stays in the
/// core's first-level cache while the vectors the search reads stream through the others. (A 16-bit tag per
/// id, 200 KB, was evicted by them: `perf` put a third of the walk's own time on loading the tags.) A reset
/// clears only the words that were written, which the set lists as it goes.
final class VisitedSet {
    private let words: UnsafeMutablePointer<UInt64>
    /// Indexes of the words with a bit set, `touchedCount` of them.
    private let touched: UnsafeMutablePointer<UInt32>
    private var touchedCount = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        let count = max((capacity + 63) / 64, 1)
        words = .allocate(capacity: count)
        words.initialize(repeating: 0, count: count)
        touched = .allocate(capacity: count)
    }

    deinit {
        words.deallocate()
        touched.deallocate()
    }

    func reset() {
        for i in 0..<touchedCount { words[Int(touched[i])] = 0 }
        touchedCount = 0
    }

    @inline(__always) func isVisited(_ id: UInt32) -> Bool { words[Int(id >> 6)] & (1 &<< UInt64(id & 63)) != 0 }
    @inline(__always) func visit(_ id: UInt32) {
        let w = Int(id >> 6)
        if words[w] == 0 {
            touched[touchedCount] = UInt32(w)
            touchedCount += 1
        }
        words[w] |= 1 &<< UInt64(id & 63)
    }
    @inline(__always) func prefetch(_ id: UInt32) { svx_prefetch(words + Int(id >> 6)) }
}

/// Visited sets shared by concurrent searches.
final class VisitedPool: @unchecked Sendable {
    private var free: [VisitedSet] = []
    private let lock = NSLockLike()

    func borrow(capacity: Int) -> VisitedSet {
        let set = lock.withLock { free.popLast() }
        let v = (set?.capacity ?? 0) >= capacity ? set! : VisitedSet(capacity: capacity)
        v.reset()
        return v
    }

    func giveBack(_ set: VisitedSet) { lock.withLock { free.append(set) } }
}

/// A minimal mutex (pthread) without Foundation.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

/// A binary heap of (distance, id) pairs: the smallest distance on top (`maxOnTop` false, the candidates
/// to expand) or the largest (`maxOnTop` true, the results kept, worst first). Sifts move a hole through an
/// unchecked buffer: the heap is on the traversal's hot path.
struct DistanceHeap {
    struct Entry {
        var distance: Float
        var id: UInt32
    }

    private var entries: [Entry] = []
    private let maxOnTop: Bool

    init(capacity: Int, maxOnTop: Bool) {
        self.maxOnTop = maxOnTop
        entries.reserveCapacity(capacity)
    }

    var count: Int { entries.count }
    var top: (distance: Float, id: UInt32)? { entries.first.map { ($0.distance, $0.id) } }

    mutating func push(_ distance: Float, _ id: UInt32) {
        entries.append(Entry(distance: distance, id: id))
        let maxOnTop = maxOnTop
        entries.withUnsafeMutableBufferPointer { e in
            var c = e.count - 1
            let item = e[c]
            while c > 0 {
                let p = (c - 1) / 2
                guard maxOnTop ? item.distance > e[p].distance : item.distance < e[p].distance else { break }
                e[c] = e[p]
                c = p
            }
            e[c] = item
        }
    }

    @discardableResult
    mutating func pop() -> (Float, UInt32)? {
        guard let first = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty { siftDown(last) }
        return (first.distance, first.id)
    }

    /// Pushes (distance, id) while fewer than `limit` entries are kept, else replaces the top with it: a pop
    /// and a push in one sift. The caller offers only entries that belong above the top.
    mutating func keep(_ distance: Float, _ id: UInt32, limit: Int) {
        if entries.count < limit || entries.isEmpty { push(distance, id) } else { siftDown(Entry(distance: distance, id: id)) }
    }

    /// Puts `item` at the root and sifts it down.
    private mutating func siftDown(_ item: Entry) {
        let maxOnTop = maxOnTop
        entries.withUnsafeMutableBufferPointer { e in
            let n = e.count
            var p = 0
            while true {
                let l = 2 * p + 1
                if l >= n { break }
                var s = l
                if l + 1 < n && (maxOnTop ? e[l + 1].distance > e[l].distance : e[l + 1].distance < e[l].distance) { s = l + 1 }
                guard maxOnTop ? e[s].distance > item.distance : e[s].distance < item.distance else { break }
                e[p] = e[s]
                p = s
            }
            e[p] = item
        }
    }

    /// Every entry, closest first (ties by id).
    func sortedAscending() -> [(distance: Float, id: UInt32)] {
        entries.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }.map { ($0.distance, $0.id) }
    }
}

/// A closure run on a new thread.
final class WorkBox: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
