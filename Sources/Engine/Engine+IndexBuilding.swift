import Glibc
import Storage
import VectorCore
import VectorIndex

/// The engine's part of a saved index file (the graph's payload): a version, the index type, the operation
/// number at build time, then the row id of every internal id.
enum IndexFileHeader {
    static let version: UInt32 = 1

    static func rowIDs(_ payload: [UInt8], expecting indexType: String) -> [Int64]? {
        guard payload.count >= 4 else { return nil }
        var v: UInt32 = 0
        withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: payload[0..<4]) }
        guard v == version, let nul = payload[4...].firstIndex(of: 0) else { return nil }
        guard String(decoding: payload[4..<nul], as: UTF8.self) == indexType else { return nil }
        let start = nul + 1 + 8
        guard start <= payload.count, (payload.count - start) % 8 == 0 else { return nil }
        return payload[start...].withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }
}

/// Segments and the background builder (ARCHITECTURE.md): the rows of a loaded collection that no graph
/// covers yet form the growing tail, searched exactly. When the tail reaches `segmentRows` rows (or on
/// `collections/flush`) it is sealed: a builder thread copies its vectors, builds the field's graph without
/// holding any lock, and swaps it in. A search never waits for a build.
extension Engine {
    /// Index types built in the background (HNSW graphs, IVF lists, sparse inverted lists); FLAT and
    /// BIN_FLAT are answered exactly.
    static func isGraphIndex(_ d: IndexDefinition) -> Bool {
        ["HNSW", "AUTOINDEX", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "BIN_IVF_FLAT", "SPARSE_INVERTED_INDEX", "SPARSE_WAND"].contains(d.indexType)
    }

    /// Whether an index on `field` is built as a `ScalarIndex` (every index on a scalar field is one of
    /// the scalar types, which all share it; on a JSON field it needs a `json_cast_type`, without which the
    /// index covers the rows but answers nothing).
    static func isScalarIndex(on field: FieldSchema) -> Bool { ScalarIndex.serves(field) }

    /// Queues builds for the indexed fields of a loaded collection whose uncovered tail is large enough (any
    /// size with `force`). A scalar index is built at once the first time, then rebuilt over every row when
    /// its tail reaches the segment size.
    func scheduleBuilds(_ collectionID: Int64, force: Bool = false) {
        guard let data = loadedData(collectionID), let c = snapshot.collections[collectionID] else { return }
        for definition in c.indexes {
            guard let field = c.schema.field(named: definition.fieldName) else { continue }
            let scalar = Self.isScalarIndex(on: field)
            guard scalar || (field.dataType.isVector && Self.isGraphIndex(definition)) else { continue }
            let job: (start: Int, end: Int)? = data.writeIndexes { segment, state in
                guard state.building[field.name] == nil else {
                    if force {
                        state.flushRequested.insert(field.name)
                        state.sealedUpTo[field.name] = segment.count
                    }
                    return nil
                }
                guard sealsTail(state, field: field.name, rows: segment.count, scalar: scalar, force: force) else { return nil }
                let start = state.coveredUpTo[field.name] ?? 0
                state.building[field.name] = segment.count
                state.sealedUpTo[field.name] = segment.count
                return (scalar ? 0 : start, segment.count)
            }
            guard let job else { continue }
            builder.submit { [self] in
                // Rows replaced while the job waited (a compaction, a release and reload) need no build.
                guard loadedData(c.id) === data else { return abandonBuild(data, field: field.name) }
                if scalar {
                    buildScalar(data, collection: c, field: field, definition: definition, rows: job.end)
                } else {
                    build(data, collection: c, field: field, definition: definition, range: job.start..<job.end)
                }
            }
        }
    }

    /// Whether the rows of `field` past its coverage are sealed now: any tail on a flush (`force`), a full
    /// segment's worth otherwise, and a scalar index's first build at once.
    private func sealsTail(_ state: IndexState, field: String, rows: Int, scalar: Bool, force: Bool) -> Bool {
        let start = state.coveredUpTo[field] ?? 0, tail = rows - start
        return tail > 0 && (force || tail >= segmentRows || (scalar && start == 0))
    }

    /// Builds the scalar index of a field over the first `rows` rows and installs it in the segment.
    private func buildScalar(_ data: CollectionData, collection c: CollectionInfo, field: FieldSchema, definition: IndexDefinition, rows: Int) {
        let f = c.schema.fields.firstIndex { $0.name == field.name }!
        // The column is taken under the lock (a copy-on-write reference) and sorted without it.
        let column = data.read { $0.columns[f] }
        let index = ScalarIndex(column: column, field: f, count: rows, json: IndexRules.jsonCast(definition, field: field))
        let saved = isCurrent(data, c, field: field, definition: definition)
            ? saveScalar(index, data, collection: c, field: field, definition: definition) : nil
        // Checked again once the file is in place (as `install`). A file saved over rows since replaced (a
        // release and reload, a compaction) stays: it names its rows by id and serves the next load. One whose
        // index is gone is removed; a drop that comes later removes it itself.
        let installed = isCurrent(data, c, field: field, definition: definition)
        if let saved, !isDefined(c, field: field, definition: definition) { unlink(saved) }
        let flushPending = data.writeIndexes { segment, state in
            if installed {
                segment.setScalarIndex(index, field: f)
                state.coveredUpTo[field.name] = rows
            }
            state.building[field.name] = nil
            return state.flushRequested.remove(field.name) != nil && installed
        }
        if installed { scheduleBuilds(c.id, force: flushPending) }
    }

    /// Whether a build over `data` still belongs to someone: the collection may have been released, reloaded,
    /// compacted or dropped, or the index dropped, while it built; then its result is neither saved nor
    /// installed.
    private func isCurrent(_ data: CollectionData, _ c: CollectionInfo, field: FieldSchema, definition: IndexDefinition) -> Bool {
        loadedData(c.id) === data && isDefined(c, field: field, definition: definition)
    }

    /// Whether `definition` is still the index on `field` of collection `c`.
    private func isDefined(_ c: CollectionInfo, field: FieldSchema, definition: IndexDefinition) -> Bool {
        snapshot.collections[c.id]?.index(onField: field.name).map({ IndexRules.same($0, definition) }) == true
    }

    /// Builds one graph over `range` and installs it.
    private func build(_ data: CollectionData, collection c: CollectionInfo, field: FieldSchema, definition: IndexDefinition, range: Range<Int>) {
        guard let metric = definition.metricType.flatMap(Metric.init(rawValue:)) else { return }
        let graph: any VectorSearchIndex
        switch field.dataType {
        case .binaryVector: graph = buildBinary(data, field: field, definition: definition, metric: metric, range: range)
        case .sparseFloatVector: graph = buildSparse(data, field: field, definition: definition, range: range)
        default: graph = buildDense(data, field: field, definition: definition, metric: metric, range: range)
        }
        install(graph, data, collection: c, field: field, definition: definition, range: range)
    }

    /// An HNSW graph or an IVF index over the dense vectors of `range`.
    private func buildDense(_ data: CollectionData, field: FieldSchema, definition: IndexDefinition, metric: Metric,
                            range: Range<Int>) -> any VectorSearchIndex {
        let dim = field.dimension ?? 0
        let resolvedM = definition.indexType == "AUTOINDEX" ? 18 : Int(definition.params.value(of: "M") ?? "") ?? 30
        let resolvedEf = definition.indexType == "AUTOINDEX" ? 240 : Int(definition.params.value(of: "efConstruction") ?? "") ?? 360
        // Copy the vectors (widened to Float32) under the read lock; build without it.
        let prepared: [Float] = data.read { segment in
            let column = segment.columns.first { $0.field.name == field.name }!
            var out = [Float](repeating: 0, count: range.count * dim)
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in range.enumerated() {
                    let target = dst.baseAddress! + k * dim
                    column.withRow(i) { row in
                        switch field.dataType {
                        case .floatVector: target.update(from: row.assumingMemoryBound(to: Float.self), count: dim)
                        case .float16Vector: Distance.widenFloat16(row, target, dim)
                        case .bFloat16Vector: Distance.widenBFloat16(row, target, dim)
                        default: Distance.widenInt8(row, target, dim)
                        }
                    }
                }
            }
            return out
        }
        if definition.indexType.hasPrefix("IVF_") {
            let encoding: IVFEncoding = switch definition.indexType {
            case "IVF_SQ8": .scalar8
            case "IVF_PQ": .product(m: Int(definition.params.value(of: "m") ?? "") ?? 1, nbits: Int(definition.params.value(of: "nbits") ?? "") ?? 8)
            default: .flat
            }
            let ivf = IVFIndex(dimension: dim, nlist: Int(definition.params.value(of: "nlist") ?? "") ?? 128, metric: metric, encoding: encoding)
            prepared.withUnsafeBufferPointer { ivf.build($0.baseAddress!, count: range.count, threads: indexThreads) }
            return ivf
        }
        let hnsw = HNSWIndex(dimension: dim, capacity: range.count, m: resolvedM, efConstruction: resolvedEf, metric: metric)
        prepared.withUnsafeBufferPointer { hnsw.addAll($0.baseAddress!, count: range.count, threads: indexThreads) }
        return hnsw
    }

    /// BIN_IVF_FLAT (AUTOINDEX on binary vectors: nlist 1024) over the packed rows of `range`.
    private func buildBinary(_ data: CollectionData, field: FieldSchema, definition: IndexDefinition, metric: Metric,
                             range: Range<Int>) -> any VectorSearchIndex {
        let nlist = definition.indexType == "AUTOINDEX" ? 1024 : Int(definition.params.value(of: "nlist") ?? "") ?? 128
        let codes: [UInt8] = data.read { segment in
            let column = segment.columns.first { $0.field.name == field.name }!
            // Binary rows are never borrowed by an index: the column holds them all.
            return Array(column.dense[(range.lowerBound * column.stride)..<(range.upperBound * column.stride)])
        }
        let index = BinaryIVFIndex(dimension: field.dimension ?? 0, nlist: nlist, metric: metric)
        codes.withUnsafeBytes { index.build($0.baseAddress!, count: range.count, threads: indexThreads) }
        return index
    }

    /// SPARSE_INVERTED_INDEX (and SPARSE_WAND, AUTOINDEX on sparse vectors) over the rows of `range`.
    private func buildSparse(_ data: CollectionData, field: FieldSchema, definition: IndexDefinition, range: Range<Int>) -> any VectorSearchIndex {
        var starts = [0], indices: [UInt32] = [], values: [Float] = []
        data.read { segment in
            let column = segment.columns.first { $0.field.name == field.name }!
            for i in range {
                indices.append(contentsOf: column.sparse[i].indices)
                values.append(contentsOf: column.sparse[i].values)
                starts.append(indices.count)
            }
        }
        let index = SparseInvertedIndex(dropRatioBuild: Float(definition.params.value(of: "drop_ratio_build") ?? "") ?? 0)
        index.build(rowStarts: starts, indices: indices, values: values)
        return index
    }

    /// Ends a build whose result belongs to nobody (the rows were replaced or the index dropped).
    private func abandonBuild(_ data: CollectionData, field: String) {
        data.writeIndexes { _, state in
            state.building[field] = nil
            state.flushRequested.remove(field)
        }
    }

    /// Installs a graph built over `range`, unless the collection or the index changed meanwhile.
    private func install(_ graph: any VectorSearchIndex, _ data: CollectionData, collection c: CollectionInfo, field: FieldSchema,
                         definition: IndexDefinition, range: Range<Int>) {
        let rowIDs: [Int64] = data.read { segment in Array(segment.rowIDs[range]) }
        let built = BuiltIndex(field: field.name, graph: graph, positions: range.map { Int32($0) }, rowIDs: rowIDs)
        // The graph holds these rows now: once checked (under the shared lock), the column drops its copy.
        let part = BorrowedRows(built, covering: range).flatMap { part in data.read { $0.holdsSameRows(part, field: field.name) } ? part : nil }
        let current = { [self] in isCurrent(data, c, field: field, definition: definition) }
        let saved = current() ? save(built, collection: c.id, definition: definition) : nil
        // Checked again once the file is in place, since saving takes a while. A change that comes later
        // removes the saved files itself after taking effect, so a stale file cannot outlive both.
        guard current() else {
            if let saved { unlink(saved) }
            return abandonBuild(data, field: field.name)
        }
        let flushPending = data.writeIndexes { segment, state in
            if let part { segment.borrow(part, field: field.name) }
            state.built[field.name, default: []].append(built)
            state.coveredUpTo[field.name] = range.upperBound
            state.building[field.name] = nil
            return state.flushRequested.remove(field.name) != nil
        }
        logger.debug("index built", metadata: ["collection": "\(c.name)", "field": "\(field.name)", "rows": "\(range.count)"])
        releaseTransientMemory()
        // More rows may have arrived meanwhile; a flush that came during the build seals them all.
        scheduleBuilds(c.id, force: flushPending)
    }

    // MARK: Persistence

    func indexDirectory(_ collection: Int64, field: String? = nil) -> String {
        "\(dataDirectory)/indexes/\(collection)" + (field.map { "/\($0)" } ?? "")
    }

    /// Writes a built graph next to the data (see `writeIndexFile`); returns the file's path.
    private func save(_ built: BuiltIndex, collection: Int64, definition: IndexDefinition) -> String? {
        guard let first = built.rowIDs.first, let last = built.rowIDs.last else { return nil }
        Self.testPause("SAVE")
        let directory = indexDirectory(collection, field: built.field)
        var payload: [UInt8] = []
        withUnsafeBytes(of: IndexFileHeader.version) { payload.append(contentsOf: $0) }
        payload.append(contentsOf: Array(definition.indexType.utf8) + [0])
        withUnsafeBytes(of: operationNumber().bigEndian) { payload.append(contentsOf: $0) }
        built.rowIDs.withUnsafeBytes { payload.append(contentsOf: $0) }
        // Streamed from the index's own memory: no copy of it is made.
        return writeIndexFile(directory, "\(first)-\(last).index") { built.graph.write(payload: payload, to: $0) }
    }

    /// The last operation number committed (an index file's header records it); 0 if none can be read.
    func operationNumber() -> UInt64 {
        guard let bytes = (try? storage.read { try $0.get(.meta, Array("opnum".utf8)) }) ?? nil, bytes.count == 8 else { return 0 }
        return bytes.withUnsafeBytes { StorageKey.readBigEndian($0) }
    }

    /// Writes an index file into `directory` atomically (a temporary file, fsync, rename) and returns its
    /// path. A failure only costs a rebuild after the next restart, so it is logged, not reported.
    func writeIndexFile(_ directory: String, _ name: String, _ write: (Int32) -> Bool) -> String? {
        do {
            try Self.makeDirectories(directory)
            let path = "\(directory)/\(name)"
            // A name of its own: a stale build of the same rows may be saving at the same time.
            let temporary = path + ".\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SwiftvecError(.serviceInternal, "cannot write \(temporary)") }
            let ok = write(fd) && fsync(fd) == 0
            Glibc.close(fd)
            guard ok, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw SwiftvecError(.serviceInternal, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            return path
        } catch {
            logger.warning("index not saved; it will be rebuilt after a restart", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A saved graph read back from its file, not yet matched with the loaded rows.
    struct SavedIndex {
        let path: String
        let graph: any VectorSearchIndex
        let rowIDs: [Int64]
    }

    /// Reads the saved graphs of a collection, field by field in row order: each file is checked (format,
    /// checksum, the index's current type, metric and dimension); a bad file is deleted and so are the
    /// files after it, to be rebuilt. Independent of the rows, so it runs while they load.
    func readSavedIndexes(_ c: CollectionInfo) -> [String: [SavedIndex]] {
        var saved: [String: [SavedIndex]] = [:]
        for definition in c.indexes where Self.isGraphIndex(definition) {
            let directory = indexDirectory(c.id, field: definition.fieldName)
            let files = Self.listFiles(directory).filter { $0.hasSuffix(".index") }.sorted {
                (Int64($0.split(separator: "-").first ?? "") ?? 0) < (Int64($1.split(separator: "-").first ?? "") ?? 0)
            }
            var accepted: [SavedIndex] = []
            var rejectRest = false
            for name in files {
                let path = "\(directory)/\(name)"
                guard !rejectRest, let region = FileRegion(path: path), let (graph, payload) = IndexFile.deserialize(region),
                      let rowIDs = IndexFileHeader.rowIDs(payload, expecting: definition.indexType),
                      rowIDs.count == graph.count, graph.metric.rawValue == definition.metricType,
                      graph.dimension == (c.schema.field(named: definition.fieldName)?.dimension ?? 0)
                else {
                    logger.warning("discarding a saved index; it will be rebuilt", metadata: ["file": "\(path)"])
                    unlink(path)
                    rejectRest = true
                    continue
                }
                accepted.append(SavedIndex(path: path, graph: graph, rowIDs: rowIDs))
            }
            saved[definition.fieldName] = accepted
        }
        return saved
    }

    /// Installs the saved graphs of a freshly loaded collection. Each must continue where the previous one
    /// ended; anything else is deleted and rebuilt.
    func restoreIndexes(_ c: CollectionInfo, _ data: CollectionData, saved: [String: [SavedIndex]]) {
        for (field, files) in saved {
            var accepted: [BuiltIndex] = []
            var ranges: [Range<Int>] = []
            var covered = 0
            var rejectRest = false
            for file in files {
                let rowIDs = file.rowIDs
                let result: (BuiltIndex, Int)? = rejectRest ? nil : data.read { segment in
                    // Files must follow each other: no overlap with the previous one, and no live row between.
                    if let first = rowIDs.first, let previous = accepted.last?.rowIDs.last, first <= previous { return nil }
                    if covered < segment.count, let first = rowIDs.first, segment.rowIDs[covered] < first { return nil }
                    let positions = rowIDs.map { Int32(segment.position(ofRowID: $0) ?? -1) }
                    var end = covered
                    let last = rowIDs.last ?? Int64.min
                    while end < segment.count && segment.rowIDs[end] <= last { end += 1 }
                    return (BuiltIndex(field: field, graph: file.graph, positions: positions, rowIDs: rowIDs), end)
                }
                guard let (built, end) = result else {
                    unlink(file.path)
                    rejectRest = true
                    continue
                }
                accepted.append(built)
                ranges.append(covered..<end)
                covered = end
            }
            guard !accepted.isEmpty else { continue }
            // The column reads the graphs' rows instead of its own copy, part by part while they line up.
            let parts: [BorrowedRows] = data.read { segment in
                var parts: [BorrowedRows] = []
                for (built, range) in zip(accepted, ranges) {
                    guard let part = BorrowedRows(built, covering: range), segment.holdsSameRows(part, field: field) else { break }
                    parts.append(part)
                }
                return parts
            }
            if parts.count < accepted.count, accepted[parts.count].graph.heldRows != nil, c.schema.field(named: field)?.dataType == .floatVector {
                logger.info("some saved graphs do not hold the column's rows; the column keeps its own copy of them",
                            metadata: ["collection": "\(c.name)", "field": "\(field)"])
            }
            data.writeIndexes { segment, state in
                state.built[field] = accepted
                state.coveredUpTo[field] = covered
                for part in parts {
                    guard segment.borrow(part, field: field) else { break }
                }
            }
        }
        restoreScalarIndexes(c, data)
        // The rows that `scheduleBuilds` will seal once the load is published count as sealed already, so that
        // the index's progress does not say Finished in between.
        data.writeIndexes { segment, state in
            for definition in c.indexes {
                let name = definition.fieldName
                let scalar = c.schema.field(named: name).map(Self.isScalarIndex(on:)) == true
                if sealsTail(state, field: name, rows: segment.count, scalar: scalar, force: false) { state.sealedUpTo[name] = segment.count }
            }
        }
    }

    /// Deletes the temporary files of saves that a crash interrupted (`*.tmp`); run at start-up, before
    /// any build.
    func removeUnfinishedIndexFiles() {
        let root = dataDirectory + "/indexes"
        for collection in Self.listFiles(root) {
            for field in Self.listFiles("\(root)/\(collection)") {
                let directory = "\(root)/\(collection)/\(field)"
                for name in Self.listFiles(directory) where name.hasSuffix(".tmp") { unlink("\(directory)/\(name)") }
            }
        }
    }

    /// Removes the saved indexes (graphs, lists, scalar indexes) of a collection, or of one of its fields.
    func removeSavedIndexes(_ collection: Int64, field: String? = nil) {
        _ = Self.removeTree(indexDirectory(collection, field: field))
    }

    static func listFiles(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func removeTree(_ path: String) -> Bool {
        for name in listFiles(path) {
            let child = "\(path)/\(name)"
            var st = stat()
            if lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { _ = removeTree(child) } else { unlink(child) }
        }
        return rmdir(path) == 0
    }

    /// Seals the growing tail of every graph-indexed field (`collections/flush`).
    public func flush(database: String, collection: String) throws(SwiftvecError) {
        let c = try describeCollection(database: database, name: collection)
        scheduleBuilds(c.id, force: true)
    }

    /// Build progress of one index: of the live sealed rows (see `IndexState.sealedUpTo`), those its built
    /// graphs or scalar index cover.
    func indexProgress(_ c: CollectionInfo, definition: IndexDefinition) throws(SwiftvecError) -> (total: Int64, indexed: Int64) {
        let field = c.schema.field(named: definition.fieldName)
        let served = Self.isGraphIndex(definition) || field.map({ Self.isScalarIndex(on: $0) }) == true
        guard served, let data = loadedData(c.id) else {
            let total = try storedRowCount(c, partitionID: nil)
            // A collection being loaded reads or builds its indexes once its rows are in: until then none of
            // them covers a row. Otherwise the index is answered exactly, or the collection is released:
            // nothing waits for a build.
            return (total, served && loading.withLock({ $0[c.id] }) != nil ? 0 : total)
        }
        return data.readIndexes { segment, state in
            let name = definition.fieldName
            let total = Int64(segment.liveCount(in: 0..<state.sealed(name)))
            guard Self.isGraphIndex(definition) else { return (total, Int64(segment.liveCount(in: 0..<(state.coveredUpTo[name] ?? 0)))) }
            return (total, Int64((state.built[name] ?? []).reduce(0) { $0 + $1.liveCount(in: segment) }))
        }
    }
}
