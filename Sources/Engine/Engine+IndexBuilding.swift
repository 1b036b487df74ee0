import VectorCore
import VectorIndex

/// Segments and the background builder (ARCHITECTURE.md): the rows of a loaded collection that no graph
/// covers yet form the growing tail, searched exactly. When the tail reaches `segmentRows` rows (or on
/// `collections/flush`) it is sealed: a builder thread copies its vectors, builds the field's graph without
/// holding any lock, and swaps it in. A search never waits for a build.
extension Engine {
    /// Index types built as graphs; the others are answered exactly for now.
    static func isGraphIndex(_ d: IndexDefinition) -> Bool {
        d.indexType == "HNSW" || d.indexType == "AUTOINDEX"
    }

    /// Queues builds for the vector fields of a loaded collection whose uncovered tail is large enough
    /// (any size with `force`).
    func scheduleBuilds(_ collectionID: Int64, force: Bool = false) {
        guard let data = loadedData(collectionID), let c = snapshot.collections[collectionID] else { return }
        for definition in c.indexes where Self.isGraphIndex(definition) {
            guard let field = c.schema.field(named: definition.fieldName), field.dataType.isDenseNumericVector else { continue }
            let job: (start: Int, end: Int)? = data.writeIndexes { segment, state in
                guard state.building[field.name] == nil else { return nil }
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
        let graph = HNSWIndex(dimension: dim, capacity: range.count, m: resolvedM, efConstruction: resolvedEf, metric: metric)
        for k in 0..<range.count {
            let v = graph.prepare(Array(vectors[(k * dim)..<((k + 1) * dim)]))
            v.withUnsafeBufferPointer { _ = graph.add($0.baseAddress!) }
        }
        let built = BuiltIndex(field: field.name, graph: graph, positions: range.map { Int32($0) })
        data.writeIndexes { _, state in
            state.built[field.name, default: []].append(built)
            state.coveredUpTo[field.name] = range.upperBound
            state.building[field.name] = nil
        }
        logger.debug("index built", metadata: ["collection": "\(c.name)", "field": "\(field.name)", "rows": "\(range.count)"])
        // More rows may have arrived meanwhile.
        scheduleBuilds(c.id)
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
                for p in index.positions where !segment.deleted[Int(p)] { n += 1 }
            }
            return n
        }
        return (total, indexed)
    }
}
