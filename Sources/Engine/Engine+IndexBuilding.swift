import Glibc
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
    /// Index types built over dense vectors (HNSW graphs, IVF lists); FLAT is answered exactly.
    static func isGraphIndex(_ d: IndexDefinition) -> Bool {
        ["HNSW", "AUTOINDEX", "IVF_FLAT", "IVF_SQ8", "IVF_PQ"].contains(d.indexType)
    }

    /// Queues builds for the vector fields of a loaded collection whose uncovered tail is large enough
    /// (any size with `force`).
    func scheduleBuilds(_ collectionID: Int64, force: Bool = false) {
        guard let data = loadedData(collectionID), let c = snapshot.collections[collectionID] else { return }
        for definition in c.indexes where Self.isGraphIndex(definition) {
            guard let field = c.schema.field(named: definition.fieldName), field.dataType.isDenseNumericVector else { continue }
            let job: (start: Int, end: Int)? = data.writeIndexes { segment, state in
                guard state.building[field.name] == nil else {
                    if force { state.flushRequested.insert(field.name) }
                    return nil
                }
                let start = state.coveredUpTo[field.name] ?? 0
                let tail = segment.count - start
                guard tail > 0, force || tail >= segmentRows else { return nil }
                state.building[field.name] = segment.count
                return (start, segment.count)
            }
            guard let job else { continue }
            builder.submit { [self] in
                build(data, collection: c, field: field, definition: definition, range: job.start..<job.end)
            }
        }
    }

    /// Builds one graph over `range` and installs it.
    private func build(_ data: CollectionData, collection c: CollectionInfo, field: FieldSchema, definition: IndexDefinition, range: Range<Int>) {
        guard let metric = definition.metricType.flatMap(Metric.init(rawValue:)) else { return }
        let dim = field.dimension ?? 0
        let resolvedM = definition.indexType == "AUTOINDEX" ? 18 : Int(definition.params.value(of: "M") ?? "") ?? 30
        let resolvedEf = definition.indexType == "AUTOINDEX" ? 240 : Int(definition.params.value(of: "efConstruction") ?? "") ?? 360
        // Copy the vectors (widened to Float32) under the read lock; build without it.
        let vectors: [Float] = data.read { segment in
            let column = segment.columns.first { $0.field.name == field.name }!
            var out = [Float](repeating: 0, count: range.count * dim)
            column.dense.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer { dst in
                    for (k, i) in range.enumerated() {
                        let row = raw.baseAddress! + i * column.stride
                        let target = dst.baseAddress! + k * dim
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
        var prepared = vectors
        if metric == .cosine {
            for k in 0..<range.count {
                let row = Array(vectors[(k * dim)..<((k + 1) * dim)])
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { prepared.replaceSubrange((k * dim)..<((k + 1) * dim), with: row.map { $0 / norm }) }
            }
        }
        let graph: any VectorSearchIndex
        if definition.indexType.hasPrefix("IVF_") {
            let encoding: IVFEncoding = switch definition.indexType {
            case "IVF_SQ8": .scalar8
            case "IVF_PQ": .product(m: Int(definition.params.value(of: "m") ?? "") ?? 1, nbits: Int(definition.params.value(of: "nbits") ?? "") ?? 8)
            default: .flat
            }
            let ivf = IVFIndex(dimension: dim, nlist: Int(definition.params.value(of: "nlist") ?? "") ?? 128, metric: metric, encoding: encoding)
            prepared.withUnsafeBufferPointer { ivf.build($0.baseAddress!, count: range.count, threads: indexThreads) }
            graph = ivf
        } else {
            let hnsw = HNSWIndex(dimension: dim, capacity: range.count, m: resolvedM, efConstruction: resolvedEf, metric: metric)
            prepared.withUnsafeBufferPointer { hnsw.addAll($0.baseAddress!, count: range.count, threads: indexThreads) }
            graph = hnsw
        }
        let rowIDs: [Int64] = data.read { segment in Array(segment.rowIDs[range]) }
        let built = BuiltIndex(field: field.name, graph: graph, positions: range.map { Int32($0) }, rowIDs: rowIDs)
        // The collection may have been released, reloaded or dropped, or the index dropped, while this
        // built: then the result belongs to nobody and is neither saved nor installed.
        guard loadedData(c.id) === data,
              snapshot.collections[c.id]?.index(onField: field.name).map({ IndexRules.same($0, definition) }) == true else {
            data.writeIndexes { _, state in
                state.building[field.name] = nil
                state.flushRequested.remove(field.name)
            }
            return
        }
        save(built, collection: c.id, definition: definition)
        let flushPending = data.writeIndexes { _, state in
            state.built[field.name, default: []].append(built)
            state.coveredUpTo[field.name] = range.upperBound
            state.building[field.name] = nil
            return state.flushRequested.remove(field.name) != nil
        }
        logger.debug("index built", metadata: ["collection": "\(c.name)", "field": "\(field.name)", "rows": "\(range.count)"])
        // More rows may have arrived meanwhile; a flush that came during the build seals them all.
        scheduleBuilds(c.id, force: flushPending)
    }

    // MARK: Persistence

    func indexDirectory(_ collection: Int64, field: String? = nil) -> String {
        "\(dataDirectory)/indexes/\(collection)" + (field.map { "/\($0)" } ?? "")
    }

    /// Writes a built graph next to the data: temporary file, fsync, rename. A failure only costs a
    /// rebuild after the next restart, so it is logged, not reported.
    private func save(_ built: BuiltIndex, collection: Int64, definition: IndexDefinition) {
        guard let first = built.rowIDs.first, let last = built.rowIDs.last else { return }
        let directory = indexDirectory(collection, field: built.field)
        var payload: [UInt8] = []
        withUnsafeBytes(of: IndexFileHeader.version) { payload.append(contentsOf: $0) }
        payload.append(contentsOf: Array(definition.indexType.utf8) + [0])
        let operation = (try? storage.read { try $0.get(.meta, Array("opnum".utf8)) }) ?? nil
        payload.append(contentsOf: operation ?? [UInt8](repeating: 0, count: 8))
        built.rowIDs.withUnsafeBytes { payload.append(contentsOf: $0) }
        let bytes = built.graph.serialized(payload: payload)
        do {
            try Self.makeDirectories(directory)
            let path = "\(directory)/\(first)-\(last).index"
            let temporary = path + ".tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SwiftvecError(.serviceInternal, "cannot write \(temporary)") }
            var written = 0
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                while written < raw.count {
                    let n = write(fd, raw.baseAddress! + written, raw.count - written)
                    if n <= 0 { return false }
                    written += n
                }
                return fsync(fd) == 0
            }
            Glibc.close(fd)
            guard ok, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw SwiftvecError(.serviceInternal, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            logger.warning("index not saved; it will be rebuilt after a restart", metadata: ["error": "\(error)"])
        }
    }

    /// Installs the saved graphs of a freshly loaded collection: each file is checked (format, checksum,
    /// the index's current type, metric and parameters) and must continue where the previous one ended;
    /// anything else is deleted and rebuilt.
    func restoreIndexes(_ c: CollectionInfo, _ data: CollectionData) {
        for definition in c.indexes where Self.isGraphIndex(definition) {
            let directory = indexDirectory(c.id, field: definition.fieldName)
            let files = Self.listFiles(directory).filter { $0.hasSuffix(".index") }.sorted {
                (Int64($0.split(separator: "-").first ?? "") ?? 0) < (Int64($1.split(separator: "-").first ?? "") ?? 0)
            }
            var accepted: [BuiltIndex] = []
            var covered = 0
            var rejectRest = false
            for name in files {
                let path = "\(directory)/\(name)"
                guard !rejectRest, let bytes = Self.readFile(path), let (graph, payload) = IndexFile.deserialize(bytes),
                      let rowIDs = IndexFileHeader.rowIDs(payload, expecting: definition.indexType),
                      rowIDs.count == graph.count, graph.metric.rawValue == definition.metricType,
                      graph.dimension == c.schema.field(named: definition.fieldName)?.dimension
                else {
                    logger.warning("discarding a saved index; it will be rebuilt", metadata: ["file": "\(path)"])
                    unlink(path)
                    rejectRest = true
                    continue
                }
                let result: (BuiltIndex, Int)? = data.read { segment in
                    // Files must follow each other: no overlap with the previous one, and no live row between.
                    if let first = rowIDs.first, let previous = accepted.last?.rowIDs.last, first <= previous { return nil }
                    if covered < segment.count, let first = rowIDs.first, segment.rowIDs[covered] < first { return nil }
                    let positions = rowIDs.map { Int32(segment.position(ofRowID: $0) ?? -1) }
                    var end = covered
                    let last = rowIDs.last ?? Int64.min
                    while end < segment.count && segment.rowIDs[end] <= last { end += 1 }
                    return (BuiltIndex(field: definition.fieldName, graph: graph, positions: positions, rowIDs: rowIDs), end)
                }
                guard let (built, end) = result else {
                    unlink(path)
                    rejectRest = true
                    continue
                }
                accepted.append(built)
                covered = end
            }
            guard !accepted.isEmpty else { continue }
            data.writeIndexes { _, state in
                state.built[definition.fieldName] = accepted
                state.coveredUpTo[definition.fieldName] = covered
            }
        }
    }

    /// Deletes the temporary files of saves that a crash interrupted (`*.index.tmp`); run at start-up, before
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

    /// Removes the saved graphs of a collection (or of one of its fields).
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

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        let ok = bytes.withUnsafeMutableBytes { raw -> Bool in
            while offset < size {
                let n = read(fd, raw.baseAddress! + offset, size - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return ok ? bytes : nil
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

    /// Build progress of one index: rows covered by built graphs, of the live rows.
    func indexProgress(_ c: CollectionInfo, definition: IndexDefinition) throws(SwiftvecError) -> (total: Int64, indexed: Int64) {
        let total = try storedRowCount(c, partitionID: nil)
        guard Self.isGraphIndex(definition), let data = loadedData(c.id) else {
            // Answered exactly (or not loaded): nothing waits for a build.
            return (total, total)
        }
        let indexed: Int64 = data.readIndexes { segment, state in
            var n: Int64 = 0
            for index in state.built[definition.fieldName] ?? [] {
                for p in index.positions where p >= 0 && !segment.deleted[Int(p)] { n += 1 }
            }
            return n
        }
        return (total, indexed)
    }
}
