import Dispatch
import Glibc
import Synchronization
import VectorCore
import VectorIndex

/// A query vector, already checked against its field's type and dimension.
public enum QueryVector: Sendable {
    /// Float32 components (for float16/bfloat16 fields, already rounded to the field's type).
    case floats([Float])
    /// Packed bits of a binary vector.
    case bits([UInt8])
    case sparse(SparseVector)
}

/// One vector search over one field.
public struct SearchSpec: Sendable {
    public var field: String
    public var queries: [QueryVector]
    /// Hits wanted per query (after `offset`); for grouping, groups wanted.
    public var limit: Int
    public var offset: Int
    public var selection: RowSelection
    /// Range search: `radius` and the optional `range_filter` (reference §8.3).
    public var radius: Float?
    public var rangeFilter: Float?
    /// HNSW search width (`ef`); nil: max(64, offset + limit).
    public var ef: Int?
    /// IVF lists probed (`nprobe`); nil: 8, Milvus's default.
    public var nprobe: Int?
    /// Sparse: the share of the query's smallest values left out (`drop_ratio_search`); nil: 0.
    public var dropRatio: Float?

    public init(field: String, queries: [QueryVector], limit: Int, offset: Int = 0, selection: RowSelection = RowSelection(),
                radius: Float? = nil, rangeFilter: Float? = nil, ef: Int? = nil, nprobe: Int? = nil, dropRatio: Float? = nil) {
        self.ef = ef
        self.dropRatio = dropRatio
        self.nprobe = nprobe
        self.field = field
        self.queries = queries
        self.limit = limit
        self.offset = offset
        self.selection = selection
        self.radius = radius
        self.rangeFilter = rangeFilter
    }
}

/// Grouping search: at most `size` hits per distinct value of a scalar field.
public struct GroupingSpec: Sendable {
    public var field: String
    public var size: Int
    public var strict: Bool
    public init(field: String, size: Int, strict: Bool) {
        self.field = field
        self.size = size
        self.strict = strict
    }
}

/// How hybrid search fuses its sub-searches (reference §6.6).
public enum Ranker: Sendable {
    /// Σ 1 / (k + rank), rank from 1.
    case reciprocalRank(k: Double)
    /// Σ weight × normalized distance.
    case weighted([Double], normalize: Bool)
}

/// One hit: the row (with the requested fields), its key and its distance or fused score.
public struct SearchHit: Sendable {
    public var key: PrimaryKey
    public var distance: Float
    public var row: EntityRow
}

extension Engine {
    /// The metric of a vector field: its index's.
    public func metric(of field: String, in c: CollectionInfo) throws(SwiftvecError) -> Metric {
        guard let index = c.index(onField: field), let name = index.metricType, let metric = Metric(rawValue: name) else {
            throw SwiftvecError(.indexNotFound, "index not found[field=\(field)]")
        }
        return metric
    }

    /// Exact (brute-force) vector search; one list of hits per query vector, best first.
    public func search(database: String, collection: String, spec: SearchSpec, grouping: GroupingSpec?,
                       fields: Set<Int>, dynamic: Bool) throws(SwiftvecError) -> [[SearchHit]] {
        let (c, data) = try searchableData(database: database, collection: collection)
        let metric = try metric(of: spec.field, in: c)
        let partitionIDs = try selectedPartitionIDs(c, names: spec.selection.partitions, requireLoaded: true, filter: spec.selection.filter)
        return try data.readIndexes { segment, indexes throws(SwiftvecError) in
            let allowed = try allowedRows(segment, filter: spec.selection.filter, partitions: partitionIDs)
            return try spec.queries.map { query throws(SwiftvecError) in
                let ranked = try rank(segment, indexes, spec: spec, query: query, metric: metric, allowed: allowed, grouping: grouping)
                return ranked.map { hit(segment, position: $0.position, distance: $0.distance, fields: fields, dynamic: dynamic) }
            }
        }
    }

    /// Hybrid search: several searches (one per sub-spec, all with the same number of query vectors), fused
    /// per query vector by `ranker`, then `offset`/`limit` (or grouping) on the fused list.
    public func hybridSearch(database: String, collection: String, subs: [SearchSpec], ranker: Ranker, limit: Int, offset: Int,
                             partitions: [String], grouping: GroupingSpec?, fields: Set<Int>, dynamic: Bool) throws(SwiftvecError) -> [[SearchHit]] {
        let (c, data) = try searchableData(database: database, collection: collection)
        let metrics = try subs.map { s throws(SwiftvecError) in try metric(of: s.field, in: c) }
        let nq = subs.first?.queries.count ?? 0
        return try data.readIndexes { segment, indexes throws(SwiftvecError) in
            var allowedBySub: [AllowedRows?] = []
            for sub in subs {
                let partitionIDs = try selectedPartitionIDs(c, names: partitions, requireLoaded: true, filter: sub.selection.filter)
                allowedBySub.append(try allowedRows(segment, filter: sub.selection.filter, partitions: partitionIDs))
            }
            var results: [[SearchHit]] = []
            for q in 0..<nq {
                var scores: [Int: Double] = [:]
                for (s, sub) in subs.enumerated() {
                    let ranked = try rank(segment, indexes, spec: sub, query: sub.queries[q], metric: metrics[s], allowed: allowedBySub[s], grouping: nil)
                    for (r, hit) in ranked.enumerated() {
                        switch ranker {
                        case .reciprocalRank(let k):
                            scores[hit.position, default: 0] += 1 / (k + Double(r + 1))
                        case .weighted(let weights, let normalize):
                            let d = Double(hit.distance)
                            scores[hit.position, default: 0] += weights[s] * (normalize ? Self.normalized(d, metrics[s]) : d)
                        }
                    }
                }
                // Fused scores: larger is better; ties keep insertion order.
                let fused = scores.map { (position: $0.key, distance: Float($0.value)) }.sorted {
                    $0.distance == $1.distance ? $0.position < $1.position : $0.distance > $1.distance
                }
                let chosen = grouping.map { g in Self.group(fused, segment: segment, field: g, groups: limit, offset: offset, metric: .ip) }
                    ?? Array(fused.dropFirst(offset).prefix(limit))
                results.append(chosen.map { hit(segment, position: $0.position, distance: $0.distance, fields: fields, dynamic: dynamic) })
            }
            return results
        }
    }

    /// Whether an exact search over the `passing` rows of `count` costs less than the index search with the
    /// filter inside. With s the share that passes, the exact search reads s·count rows, while a graph walk
    /// meets about ef/s nodes to find ef that pass: the exact search wins while passing² < K·ef·count. A row
    /// read by the scan costs about its dimension, a node met by the walk a fixed part more (its links, its
    /// visited tag, a heap push), so K = 3·(dim + 1000)/dim. Measured at stop 20 on the bench's
    /// 100,000-row HNSW graphs (ef 64, server CPU per query, one client): at 128-d the two met between 10% and
    /// 20% passing (10%: exact 341-404 µs against 506-512 µs; 20%: 456-628 against 288-323), at 768-d between
    /// 5% and 10% (5%: 1.45-1.55 ms against 2.9-3.5 ms; 10%: 2.4 ms against 1.3-1.6 ms); K puts the switch
    /// at 13% and 6.6%. An IVF search reads its probed lists whatever passes, so there the exact search is
    /// chosen below 5%, where it also makes the answer exact.
    static func exactIsCheaper(passing: Int, of count: Int, ef: Int, graphs: [BuiltIndex]) -> Bool {
        if graphs.allSatisfy({ $0.graph is HNSWIndex }) {
            // Not measured below 128-d, where the fixed part would dominate: taken as at 128-d.
            let dim = Double(max(graphs.first?.graph.dimension ?? 0, 128))
            return Double(passing) * Double(passing) * dim < 3 * (dim + 1000) * Double(ef) * Double(count)
        }
        return passing * 20 < count
    }

    /// What a graph may return: rows that still exist (after a restart a graph may hold deleted ones) and
    /// pass the mask. nil when everything passes.
    static func graphFilter(_ mask: [Bool]?, _ index: BuiltIndex) -> ((UInt32) -> Bool)? {
        let positions = index.positions
        switch (mask, index.hasMissing) {
        case (nil, false): return nil
        case (nil, true): return { positions[Int($0)] >= 0 }
        case (let m?, _): return { let p = Int(positions[Int($0)]); return p >= 0 && m[p] }
        }
    }

    /// Milvus's weighted-ranker normalisation of a distance into [0, 1], larger better.
    static func normalized(_ d: Double, _ metric: Metric) -> Double {
        switch metric {
        case .cosine: (1 + d) / 2
        case .ip: 0.5 + atan(d) / Double.pi
        default: 1 - 2 * atan(d) / Double.pi
        }
    }

    private func searchableData(database: String, collection: String) throws(SwiftvecError) -> (CollectionInfo, CollectionData) {
        let c = try describeCollection(database: database, name: collection)
        guard c.isLoaded, let data = loadedData(c.id) else { throw notLoaded(c, operation: "search") }
        return (c, data)
    }

    /// Live rows that pass the partition selection and the filter, with their number; nil when every row
    /// does (no filter, no delete, no partition restriction), so that an unfiltered search does no work
    /// proportional to the rows. With deletes only, the segment's own live mask, counted already.
    private func allowedRows(_ segment: Segment, filter: (any RowPredicate)?, partitions: Set<Int64>?) throws(SwiftvecError) -> AllowedRows? {
        if filter == nil, partitions == nil {
            return segment.liveCount == segment.count ? nil : AllowedRows(mask: segment.live, passing: segment.liveCount)
        }
        // A filter's answer already leaves deleted rows out.
        var allowed = try filter?.evaluate(segment) ?? segment.live
        if let partitions {
            let partitionIDs = segment.partitionIDs
            allowed.withUnsafeMutableBufferPointer { allowed in
                for i in 0..<allowed.count where allowed[i] && !partitions.contains(partitionIDs[i]) { allowed[i] = false }
            }
        }
        return AllowedRows(mask: allowed, passing: ByteMask.count(allowed))
    }

    private func hit(_ segment: Segment, position: Int, distance: Float, fields: Set<Int>, dynamic: Bool) -> SearchHit {
        var values = [FieldValue](repeating: .null, count: segment.columns.count)
        for f in fields { values[f] = segment.columns[f].value(at: position) }
        return SearchHit(key: segment.primaryKey(at: position)!, distance: distance,
                         row: EntityRow(values: values, dynamic: dynamic ? segment.dynamic[position] : nil))
    }

    /// The ranked (position, distance) list of one query: top `offset + limit` (then `offset` dropped), or
    /// every row within the range, or grouped.
    private func rank(_ segment: Segment, _ indexes: IndexState, spec: SearchSpec, query: QueryVector, metric: Metric, allowed rows: AllowedRows?,
                      grouping: GroupingSpec?) throws(SwiftvecError) -> [(position: Int, distance: Float)] {
        let mask = rows?.mask
        guard let f = segment.columns.firstIndex(where: { $0.field.name == spec.field }) else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: field not found[field=\(spec.field)]: cannot find a vector field")
        }
        let column = segment.columns[f]
        if spec.radius == nil, grouping == nil, let graphs = indexes.built[spec.field], !graphs.isEmpty,
           let covered = indexes.coveredUpTo[spec.field] {
            // Few rows pass the filter: search them exactly, which is both faster and exact. With no filter,
            // no deletes and no partition restriction, the mask is not even consulted.
            let passing = rows?.passing ?? segment.count
            let k = spec.offset + spec.limit, ef = max(spec.ef ?? 64, k)
            if !Self.exactIsCheaper(passing: passing, of: segment.count, ef: ef, graphs: graphs) {
                let parameters = SearchParameters(ef: ef, nprobe: spec.nprobe ?? 8, dropRatio: spec.dropRatio ?? 0)
                var top = TopK(k: k, metric: metric)
                for index in graphs {
                    let positions = index.positions
                    let found = Self.withIndexQuery(query, for: index.graph) { q in
                        index.graph.search(q, k: k, parameters: parameters, allowed: Self.graphFilter(mask, index))
                    }
                    for hit in found { top.push(index.graph.reported(hit.distance), Int(positions[Int(hit.id)])) }
                }
                // The tail no graph covers yet is searched exactly.
                if covered < segment.count {
                    let exact = VectorScan.topK(column, query: query, metric: metric, allowed: mask, rows: segment.count, k: k, from: covered)
                    for (d, i) in zip(exact.distances, exact.ids) { top.push(d, i) }
                }
                return Array(top.sorted().dropFirst(spec.offset).map { (position: $0.id, distance: $0.distance) })
            }
        }
        let allowed = mask ?? [Bool](repeating: true, count: segment.count)
        let inRange: (Float) -> Bool = { d in
            guard let radius = spec.radius else { return true }
            if metric.higherIsBetter {
                return d > radius && (spec.rangeFilter.map { d <= $0 } ?? true)
            }
            return d < radius && (spec.rangeFilter.map { d >= $0 } ?? true)
        }
        if let grouping {
            var all: [(position: Int, distance: Float)] = []
            VectorScan.scan(column, query: query, metric: metric, allowed: allowed) { i, d in
                if inRange(d) { all.append((i, d)) }
            }
            all.sort { $0.distance == $1.distance ? $0.position < $1.position : metric.isBetter($0.distance, than: $1.distance) }
            return Self.group(all, segment: segment, field: grouping, groups: spec.limit, offset: spec.offset, metric: metric)
        }
        if spec.radius == nil {
            let top = VectorScan.topK(column, query: query, metric: metric, allowed: allowed, rows: segment.count, k: spec.offset + spec.limit)
            return Array(top.sorted().dropFirst(spec.offset).map { (position: $0.id, distance: $0.distance) })
        }
        var top = TopK(k: spec.offset + spec.limit, metric: metric)
        VectorScan.scan(column, query: query, metric: metric, allowed: allowed) { i, d in
            if inRange(d) { top.push(d, i) }
        }
        return Array(top.sorted().dropFirst(spec.offset).map { (position: $0.id, distance: $0.distance) })
    }

    /// Runs `body` with `query` in the form an index reads (dense queries prepared by the index).
    static func withIndexQuery<T>(_ query: QueryVector, for index: any VectorSearchIndex, _ body: (IndexQuery) -> T) -> T {
        switch query {
        case .floats(let q):
            return index.prepare(q).withUnsafeBufferPointer { body(.dense($0.baseAddress!)) }
        case .bits(let b):
            return b.withUnsafeBytes { body(.binary($0.baseAddress!)) }
        case .sparse(let s):
            return s.indices.withUnsafeBufferPointer { i in s.values.withUnsafeBufferPointer { v in body(.sparse(indices: i, values: v)) } }
        }
    }

    /// Walks `ranked` (best first) and keeps at most `size` hits per value of the grouping field, until
    /// `offset + groups` groups are found; returns the hits of the groups after `offset`, group by group in
    /// the order of their best hit.
    static func group(_ ranked: [(position: Int, distance: Float)], segment: Segment, field: GroupingSpec, groups: Int, offset: Int,
                      metric: Metric) -> [(position: Int, distance: Float)] {
        guard let f = segment.columns.firstIndex(where: { $0.field.name == field.field }) else { return [] }
        var order: [FieldValue] = []
        var members: [FieldValue: [(position: Int, distance: Float)]] = [:]
        for hit in ranked {
            let key = segment.columns[f].value(at: hit.position)
            if members[key] == nil {
                if order.count >= offset + groups { continue }
                order.append(key)
            }
            if members[key, default: []].count < field.size { members[key, default: []].append(hit) }
        }
        return order.dropFirst(offset).flatMap { members[$0] ?? [] }
    }
}

extension FieldValue: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .string(let s): hasher.combine(s)
        case .float(let f): hasher.combine(f)
        case .double(let d): hasher.combine(d)
        default: hasher.combine(1)
        }
    }
}

/// The rows a search may return (one byte per position) and how many they are, found once per request.
struct AllowedRows {
    let mask: [Bool]
    let passing: Int
}

/// The brute-force pass over a vector column: the distance of every allowed row, computed by VectorCore's
/// column scans; `visit(position, distance)` then sees each allowed row in position order.
enum VectorScan {
    /// The best `k` allowed rows at positions `from..<rows` of a column, exactly: the fused dense path, or a
    /// scan for the other types. `allowed` nil: every row. The dense path does no work for the rows below
    /// `from` (a search's exact tail after its graphs costs what the tail holds, not what the collection does).
    static func topK(_ column: Column, query: QueryVector, metric: Metric, allowed: [Bool]?, rows: Int, k: Int, from: Int = 0) -> TopK {
        if let top = denseTopK(column, query: query, metric: metric, allowed: allowed, rows: rows, k: k, from: from) { return top }
        var mask = allowed ?? [Bool](repeating: true, count: rows)
        mask.withUnsafeMutableBufferPointer { m in for i in 0..<min(from, m.count) { m[i] = false } }
        var top = TopK(k: k, metric: metric)
        scan(column, query: query, metric: metric, allowed: mask) { i, d in
            // Most rows lose to the current worst kept distance: test that before the heap.
            if let t = top.threshold, metric.isBetter(t, than: d) { return }
            top.push(d, i)
        }
        return top
    }

    /// The fused scan-and-select path for dense vectors (nil for other types), run by run (rows held by
    /// graphs, then the column's own). When every row is allowed the runs are scanned without the mask; when
    /// few are, only those rows are read (`gatheredTopK`).
    static func denseTopK(_ column: Column, query: QueryVector, metric: Metric, allowed: [Bool]?, rows: Int, k: Int, from: Int = 0) -> TopK? {
        guard case .floats(let q) = query else { return nil }
        let element: Distance.Element
        switch column.field.dataType {
        case .floatVector: element = .float32
        case .float16Vector: element = .float16
        case .bFloat16Vector: element = .bfloat16
        case .int8Vector: element = .int8
        default: return nil
        }
        let from = min(from, rows)
        let mask = allowed ?? []
        return q.withUnsafeBufferPointer { qp in
            column.withDenseRuns { runs in
                mask.withUnsafeBufferPointer { ok in
                    // Only the rows from `from` on are counted and read.
                    let passing = allowed == nil ? rows - from : ByteMask.count(ok.baseAddress! + from, rows - from)
                    let everyRow = passing == rows - from
                    if !everyRow, passing * 8 < rows - from {
                        return gatheredTopK(runs, stride: column.stride, k: k, metric: metric, element: element, query: qp, allowed: ok, from: from)
                    }
                    var merged = TopK(k: k, metric: metric)
                    for run in runs where run.count > 0 && run.end > from {
                        let found: TopK, skipped: Int
                        if let map = run.positionOfSlot {
                            // A graph's rows out of position order: the mask is rewritten in its order.
                            let runAllowed = map.map { $0 >= from && (everyRow || ok[Int($0)]) }
                            skipped = 0
                            found = runAllowed.withUnsafeBufferPointer {
                                contiguousTopK(k: k, metric: metric, element: element, query: qp, base: run.base, count: run.count,
                                               stride: column.stride, allowed: $0.baseAddress!)
                            }
                        } else {
                            skipped = max(0, from - run.start)
                            found = contiguousTopK(k: k, metric: metric, element: element, query: qp, base: run.base + skipped * column.stride,
                                                   count: run.count - skipped, stride: column.stride,
                                                   allowed: everyRow ? nil : ok.baseAddress! + run.start + skipped)
                        }
                        for (d, i) in zip(found.distances, found.ids) { if let p = run.position(i + skipped) { merged.push(d, p) } }
                    }
                    return merged
                }
            }
        }
    }

    /// The best `k` rows among the few a sparse mask allows, each read where its run holds it: the mask is
    /// read a word at a time, and no run is scanned whole (nor a graph run's mask rewritten in its order).
    private static func gatheredTopK(_ runs: [DenseRun], stride: Int, k: Int, metric: Metric, element: Distance.Element,
                                     query: UnsafeBufferPointer<Float>, allowed ok: UnsafeBufferPointer<Bool>, from: Int) -> TopK {
        var rows: [UnsafeRawPointer] = [], positions: [Int] = []
        var r = 0, p = ByteMask.next(ok.baseAddress!, from: from, ok.count)
        while p < ok.count {
            while r < runs.count, runs[r].end <= p { r += 1 }
            guard r < runs.count else { break }
            if p >= runs[r].start {
                rows.append(runs[r].row(at: p, stride: stride))
                positions.append(p)
            }
            p = ByteMask.next(ok.baseAddress!, from: p + 1, ok.count)
        }
        return Distance.topK(k: k, metric: metric, element: element, query: query.baseAddress!, dim: query.count, rows: rows, ids: positions)
    }

    /// The best `k` of `count` rows at `base` (ids are row numbers in the run); a large run is split over
    /// the cores: one core does not reach the memory bandwidth two reach.
    private static func contiguousTopK(k: Int, metric: Metric, element: Distance.Element, query qp: UnsafeBufferPointer<Float>,
                                       base: UnsafeRawPointer, count: Int, stride: Int, allowed: UnsafePointer<Bool>?) -> TopK {
        let parts = count >= parallelThreshold ? max(1, min(cores, count / (parallelThreshold / 2))) : 1
        if parts == 1 {
            return Distance.topK(k: k, metric: metric, element: element, query: qp.baseAddress!, base: base, count: count,
                                 dim: qp.count, allowed: allowed)
        }
        let results = PartResults(parts)
        let input = ScanInput(query: qp.baseAddress!, base: base, allowed: allowed)
        let dim = qp.count
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let start = count * p / parts, end = count * (p + 1) / parts
            results.set(p, Distance.topK(k: k, metric: metric, element: element, query: input.query,
                                         base: input.base + start * stride, count: end - start, dim: dim,
                                         allowed: input.allowed.map { $0 + start }), offset: start)
        }
        var merged = TopK(k: k, metric: metric)
        for (top, offset) in results.all {
            for (d, i) in zip(top.distances, top.ids) { merged.push(d, i + offset) }
        }
        return merged
    }

    /// Rows from which a scan is split over the cores.
    static let parallelThreshold = 32_768
    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Pointers handed to the parts of a parallel scan: valid for the whole `concurrentPerform` call, which
    /// returns only when every part is done, and only read.
    struct ScanInput: @unchecked Sendable {
        let query: UnsafePointer<Float>
        let base: UnsafeRawPointer
        let allowed: UnsafePointer<Bool>?
    }

    /// Per-part results of a parallel scan; each part writes only its own slot.
    final class PartResults: Sendable {
        // Behind a mutex: the parts finish on different threads, and one per core sets its slot once.
        private let slots: Mutex<[(TopK, Int)?]>
        init(_ n: Int) { slots = Mutex(Array(repeating: nil, count: n)) }
        func set(_ p: Int, _ top: TopK, offset: Int) { slots.withLock { $0[p] = (top, offset) } }
        var all: [(TopK, Int)] { slots.withLock { $0.compactMap { $0 } } }
    }

    static func scan(_ column: Column, query: QueryVector, metric: Metric, allowed: [Bool], _ visit: (Int, Float) -> Void) {
        let n = allowed.count
        var distances = [Float](repeating: 0, count: n)
        allowed.withUnsafeBufferPointer { ok in
            distances.withUnsafeMutableBufferPointer { out in
                switch (column.field.dataType, query) {
                case (.floatVector, .floats(let q)), (.float16Vector, .floats(let q)), (.bFloat16Vector, .floats(let q)), (.int8Vector, .floats(let q)):
                    let element: Distance.Element = switch column.field.dataType {
                    case .float16Vector: .float16
                    case .bFloat16Vector: .bfloat16
                    case .int8Vector: .int8
                    default: .float32
                    }
                    q.withUnsafeBufferPointer { qp in
                        forEachRun(column, allowed: ok, out: out) { base, count, allowed, out in
                            Distance.scan(metric: metric, element: element, query: qp.baseAddress!, base: base, count: count, dim: q.count,
                                          allowed: allowed, out: out)
                        }
                    }
                case (.binaryVector, .bits(let q)):
                    q.withUnsafeBytes { qp in
                        forEachRun(column, allowed: ok, out: out) { base, count, allowed, out in
                            Distance.scanBinary(metric: metric, query: qp.baseAddress!, base: base, count: count, bytes: column.stride,
                                                allowed: allowed, out: out)
                        }
                    }
                case (.sparseFloatVector, .sparse(let q)):
                    q.indices.withUnsafeBufferPointer { qi in
                        q.values.withUnsafeBufferPointer { qv in
                            for i in 0..<n where ok[i] {
                                let s = column.sparse[i]
                                out[i] = s.indices.withUnsafeBufferPointer { si in
                                    s.values.withUnsafeBufferPointer { sv in Distance.sparseDot(qi, qv, si, sv) }
                                }
                            }
                        }
                    }
                default:
                    break
                }
            }
        }
        for i in 0..<n where allowed[i] { visit(i, distances[i]) }
    }

    /// Runs `kernel(base, count, allowed, out)` over each run of a dense column with the mask and the output
    /// (both in position order) of its rows; a run out of position order goes through copies in its order.
    private static func forEachRun(_ column: Column, allowed ok: UnsafeBufferPointer<Bool>, out: UnsafeMutableBufferPointer<Float>,
                                   _ kernel: (UnsafeRawPointer, Int, UnsafePointer<Bool>, UnsafeMutablePointer<Float>) -> Void) {
        column.withDenseRuns { runs in
            for run in runs where run.count > 0 {
                guard let map = run.positionOfSlot else {
                    kernel(run.base, run.count, ok.baseAddress! + run.start, out.baseAddress! + run.start)
                    continue
                }
                let runAllowed = map.map { $0 >= 0 && ok[Int($0)] }
                var runOut = [Float](repeating: 0, count: run.count)
                runAllowed.withUnsafeBufferPointer { a in runOut.withUnsafeMutableBufferPointer { kernel(run.base, run.count, a.baseAddress!, $0.baseAddress!) } }
                for (i, p) in map.enumerated() where p >= 0 { out[Int(p)] = runOut[i] }
            }
        }
    }
}
