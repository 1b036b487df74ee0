import Engine
import Glibc
import Testing

/// A built HNSW graph or IVF_FLAT index keeps the rows it was built from, and the column gives up its own
/// copy of them: every vector is in memory once. What is read from the column (rows, exact scans, range search) must not change.
@Suite struct VectorSharingTests {
    static let dim = 8

    /// Unnormalised rows of varied length (COSINE must still serve them as given).
    static func rows(_ n: Int) -> [[Float]] {
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return (0..<n).map { i in (0..<dim).map { _ in next() * Float(1 + i % 5) } }
    }

    static func distance(_ a: [Float], _ b: [Float], metric: String) -> Float {
        if metric == "L2" { return zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return dot / (na * nb)
    }

    func waitIndexed(_ engine: Engine) throws {
        for _ in 0..<600 {
            let s = try engine.describeIndex(database: "default", collection: "c", index: "v")
            if s.indexedRows == s.totalRows { return }
            usleep(50_000)
        }
        Issue.record("the index never covered every row")
    }

    /// The column's state and everything read through it, against the inserted rows.
    func check(_ engine: Engine, data: [[Float]], live: (Int) -> Bool, metric: String) throws {
        let c = try engine.describeCollection(database: "default", name: "c")
        let loaded = try #require(engine.loadedData(c.id))
        let liveIDs = data.indices.filter(live)
        loaded.read { segment in
            let column = segment.columns[1]
            #expect(column.denseStart == segment.count, "every row is held by an index")
            #expect(column.dense.isEmpty, "the column kept no copy")
            #expect(column.borrowed.count >= 2, "one part per sealed segment: \(column.borrowed.count)")
            #expect(column.borrowed.map(\.positions.count).reduce(0, +) == segment.count)
            #expect(segment.count == liveIDs.count)
            for p in 0..<segment.count {
                guard case .int(let id) = segment.columns[0].value(at: p), case .floatVector(let v) = column.value(at: p) else {
                    Issue.record("row \(p) unreadable")
                    return
                }
                #expect(v.map(\.bitPattern) == data[Int(id)].map(\.bitPattern), "row \(id) comes back bit for bit")
            }
        }
        // Few rows pass: the search is exact over the column's rows, wherever they are held.
        let filter = try FilterCompiler.compile("id < 40", parameters: nil, schema: c.schema)
        for q in [data[3], data[500], data[998]] {
            let spec = SearchSpec(field: "v", queries: [.floats(q)], limit: 5, selection: RowSelection(filter: filter))
            let hits = try engine.search(database: "default", collection: "c", spec: spec, grouping: nil, fields: [], dynamic: false)[0]
            let better: (Float, Float) -> Bool = metric == "L2" ? { $0 < $1 } : { $0 > $1 }
            let truth = liveIDs.filter { $0 < 40 }.sorted { better(Self.distance(q, data[$0], metric: metric), Self.distance(q, data[$1], metric: metric)) }
            #expect(hits.map(\.key) == truth.prefix(5).map { PrimaryKey.int(Int64($0)) })
            // Range search scans every row.
            let radius: Float = metric == "L2" ? 2 : 0.9
            let range = SearchSpec(field: "v", queries: [.floats(q)], limit: 1000, radius: radius)
            let inRange = try engine.search(database: "default", collection: "c", spec: range, grouping: nil, fields: [], dynamic: false)[0]
            let expected = Set(liveIDs.filter { better(Self.distance(q, data[$0], metric: metric), radius) }.map { PrimaryKey.int(Int64($0)) })
            #expect(Set(inRange.map(\.key)) == expected)
        }
        // The index search itself reads the same rows: each live row finds itself.
        for id in liveIDs where id % 97 == 1 {
            let spec = SearchSpec(field: "v", queries: [.floats(data[id])], limit: 1)
            let hit = try engine.search(database: "default", collection: "c", spec: spec, grouping: nil, fields: [], dynamic: false)[0].first
            #expect(hit?.key == .int(Int64(id)))
        }
    }

    /// IVF_FLAT with 8 lists and Milvus's default nprobe of 8 probes every list: its searches are exact too.
    @Test(arguments: ["HNSW", "IVF_FLAT"], ["L2", "COSINE"])
    func indexesHoldTheColumnsRowsBeforeAndAfterARestart(indexType: String, metric: String) throws {
        let dir = TemporaryDirectory()
        let data = Self.rows(1000)
        let live: (Int) -> Bool = { $0 % 7 != 0 }
        do {
            let engine = try Engine(dataDirectory: dir.path, indexThreads: 2, segmentRows: 300)
            let schema = CollectionSchema(enableDynamicField: false, fields: [
                FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
                FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "\(Self.dim)")]),
            ])
            try engine.createCollection(database: "default", definition: CollectionDefinition(name: "c", schema: schema),
                                        indexes: [IndexRequest(fieldName: "v", indexType: indexType, metricType: metric,
                                                               params: indexType == "HNSW" ? [Property("M", "8"), Property("efConstruction", "64")]
                                                                                           : [Property("nlist", "8")])],
                                        load: true)
            for start in stride(from: 0, to: data.count, by: 250) {
                let rows = (start..<start + 250).map { EntityRow(values: [.int(Int64($0)), .floatVector(data[$0])]) }
                _ = try engine.insert(database: "default", collection: "c", partition: nil, rows: rows)
            }
            try engine.flush(database: "default", collection: "c")
            try waitIndexed(engine)
            try check(engine, data: data, live: { _ in true }, metric: metric)
            let c = try engine.describeCollection(database: "default", name: "c")
            let deleted = try engine.delete(database: "default", collection: "c",
                                            selection: RowSelection(filter: FilterCompiler.compile("id % 7 == 0", parameters: nil, schema: c.schema)))
            #expect(deleted == 143)
        }
        // After a restart the saved indexes still hold the rows deleted before it (their parts map slots to
        // positions), and the column holds no copy either.
        let engine = try Engine(dataDirectory: dir.path, indexThreads: 2, segmentRows: 300)
        try engine.loadCollection(database: "default", name: "c")
        try waitIndexed(engine)
        try check(engine, data: data, live: live, metric: metric)
    }
}
