import Engine
import Glibc
import Testing

final class TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/swiftvec-engine-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { _ = system("rm -rf '\(path)'") }
}

private func vectorSchema(dim: String = "8", extra: [FieldSchema] = []) -> CollectionSchema {
    CollectionSchema(enableDynamicField: false, fields: [
        FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
        FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", dim)]),
    ] + extra)
}

private func expectCode(_ code: ErrorCode, _ body: () throws -> Void,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected error \(code.rawValue)", sourceLocation: sourceLocation)
    } catch let error as SwiftvecError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct CatalogTests {
    @Test func catalogSurvivesReopenIdentically() throws {
        let dir = TemporaryDirectory()
        let before: CollectionInfo
        do {
            let engine = try Engine(dataDirectory: dir.path)
            try engine.createDatabase("analytics", properties: [Property("database.max.collections", "10")])
            try engine.createCollection(database: "analytics", definition: CollectionDefinition(
                name: "c1", schema: vectorSchema(extra: [FieldSchema(name: "n", dataType: .int32, nullable: true,
                                                                     defaultValue: .int(5))]),
                properties: [Property("collection.ttl.seconds", "60")]),
                indexes: [IndexRequest(fieldName: "v", indexType: "HNSW", metricType: "l2", params: [Property("M", "16")])],
                load: true)
            try engine.createPartition(database: "analytics", collection: "c1", partition: "p1")
            before = try engine.describeCollection(database: "analytics", name: "c1")
            engine.close()
        }
        let engine = try Engine(dataDirectory: dir.path)
        #expect(engine.listDatabases() == ["default", "analytics"])
        let after = try engine.describeCollection(database: "analytics", name: "c1")
        #expect(after == before)
        #expect(after.id > 1 << 53, "ids are large, like Milvus's")
        #expect(after.partitions.map(\.name) == ["_default", "p1"])
        #expect(after.partitions.allSatisfy { $0.loaded })
        #expect(after.indexes.first?.metricType == "L2")
        #expect(after.indexes.first?.params.value(of: "efConstruction") == "360")
        #expect(after.schema.fields.map(\.id) == [100, 101, 102])
    }

    @Test func failedCreateWritesNothing() throws {
        let dir = TemporaryDirectory()
        let engine = try Engine(dataDirectory: dir.path)
        // The index parameter is out of range: neither collection nor index may appear.
        expectCode(.invalidParameter) {
            try engine.createCollection(database: "default", definition: CollectionDefinition(name: "c", schema: vectorSchema()),
                                        indexes: [IndexRequest(fieldName: "v", indexType: "HNSW", params: [Property("M", "5000")])],
                                        load: true)
        }
        #expect(try engine.hasCollection(database: "default", name: "c") == false)
        // Asking to load without indexing every vector field fails too, before anything is written.
        let twoVectors = vectorSchema(extra: [FieldSchema(name: "w", dataType: .binaryVector, typeParams: [Property("dim", "16")])])
        expectCode(.indexNotFound) {
            try engine.createCollection(database: "default", definition: CollectionDefinition(name: "c", schema: twoVectors),
                                        indexes: [IndexRequest(fieldName: "v")], load: true)
        }
        #expect(try engine.hasCollection(database: "default", name: "c") == false)
    }

    @Test func schemaRules() throws {
        let dir = TemporaryDirectory()
        let engine = try Engine(dataDirectory: dir.path)
        func create(_ fields: [FieldSchema]) throws(SwiftvecError) {
            try engine.createCollection(database: "default", definition: CollectionDefinition(
                name: "c", schema: CollectionSchema(enableDynamicField: false, fields: fields)))
        }
        let pk = FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true)
        let vec = FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "4")])
        expectCode(.invalidParameter) { try create([vec]) }  // no primary key
        expectCode(.invalidParameter) { try create([pk]) }  // no vector field
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "id", dataType: .bool)]) }
        expectCode(.invalidParameter) { try create([pk, FieldSchema(name: "v", dataType: .floatVector)]) }  // no dim
        expectCode(.invalidParameter) { try create([pk, FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "40000")])]) }
        expectCode(.invalidParameter) { try create([pk, FieldSchema(name: "v", dataType: .binaryVector, typeParams: [Property("dim", "12")])]) }
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "s", dataType: .varChar)]) }  // no max_length
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "a", dataType: .array, elementType: .json,
                                                                          typeParams: [Property("max_capacity", "4")])]) }
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "1bad", dataType: .bool)]) }
        expectCode(.invalidParameter) { try create([FieldSchema(name: "id", dataType: .float, isPrimaryKey: true), vec]) }
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "b", dataType: .int8, defaultValue: .int(300))]) }
        expectCode(.invalidParameter) { try create([pk, vec, FieldSchema(name: "b", dataType: .bool, defaultValue: .string("x"))]) }
        #expect(try engine.listCollections(database: "default").isEmpty)
        try create([pk, vec, FieldSchema(name: "s", dataType: .varChar, typeParams: [Property("max_length", "10")],
                                         defaultValue: .string("abc"))])
        #expect(try engine.listCollections(database: "default") == ["c"])
    }

    @Test func partitionKeyCollectionsGetHashedPartitions() throws {
        let dir = TemporaryDirectory()
        let engine = try Engine(dataDirectory: dir.path)
        let schema = vectorSchema(extra: [FieldSchema(name: "tenant", dataType: .varChar, isPartitionKey: true,
                                                      typeParams: [Property("max_length", "64")])])
        try engine.createCollection(database: "default", definition: CollectionDefinition(name: "mt", schema: schema, partitionsNum: 8))
        let c = try engine.describeCollection(database: "default", name: "mt")
        #expect(c.partitions.map(\.name) == (0..<8).map { "_default_\($0)" })
        expectCode(.invalidParameter) { try engine.createPartition(database: "default", collection: "mt", partition: "p") }
    }

    @Test func concurrentCreatesAllLand() async throws {
        let dir = TemporaryDirectory()
        let engine = try Engine(dataDirectory: dir.path)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try? engine.createCollection(database: "default", definition: CollectionDefinition(name: "c\(i)", schema: vectorSchema()))
                }
            }
        }
        #expect(Set(try engine.listCollections(database: "default")) == Set((0..<40).map { "c\($0)" }))
        let ids = try (0..<40).map { try engine.describeCollection(database: "default", name: "c\($0)").id }
        #expect(Set(ids).count == 40)
    }
}

@Suite struct IndexRuleTests {
    private func engineWithCollection() throws -> (TemporaryDirectory, Engine) {
        let dir = TemporaryDirectory()
        let engine = try Engine(dataDirectory: dir.path)
        let schema = CollectionSchema(enableDynamicField: false, fields: [
            FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
            FieldSchema(name: "f", dataType: .floatVector, typeParams: [Property("dim", "12")]),
            FieldSchema(name: "b", dataType: .binaryVector, typeParams: [Property("dim", "64")]),
            FieldSchema(name: "s", dataType: .sparseFloatVector),
            FieldSchema(name: "price", dataType: .double),
            FieldSchema(name: "name", dataType: .varChar, typeParams: [Property("max_length", "20")]),
            FieldSchema(name: "meta", dataType: .json),
        ])
        try engine.createCollection(database: "default", definition: CollectionDefinition(name: "c", schema: schema))
        return (dir, engine)
    }

    @Test func validIndexesGetDefaults() throws {
        let (_, engine) = try engineWithCollection()
        try engine.createIndexes(database: "default", collection: "c", requests: [
            IndexRequest(fieldName: "f", indexName: "fi", indexType: "ivf_pq", metricType: "IP", params: [Property("m", "4")]),
            IndexRequest(fieldName: "b"),
            IndexRequest(fieldName: "s", indexType: "SPARSE_INVERTED_INDEX", params: [Property("drop_ratio_build", "0.2")]),
            IndexRequest(fieldName: "price", indexType: "STL_SORT"),
            IndexRequest(fieldName: "name", indexType: "trie"),
        ])
        let c = try engine.describeCollection(database: "default", name: "c")
        let pq = c.index(named: "fi")!
        #expect(pq.indexType == "IVF_PQ")
        #expect(pq.params.value(of: "nlist") == "128")
        #expect(pq.params.value(of: "nbits") == "8")
        #expect(c.index(onField: "b")?.metricType == "HAMMING")
        #expect(c.index(onField: "s")?.metricType == "IP")
        #expect(c.index(onField: "price")?.metricType == nil)
        #expect(c.index(onField: "name")?.indexType == "Trie")
    }

    @Test func invalidIndexesAreRejectedNamingTheProblem() throws {
        let (_, engine) = try engineWithCollection()
        func create(_ r: IndexRequest) throws(SwiftvecError) {
            try engine.createIndexes(database: "default", collection: "c", requests: [r])
        }
        let cases: [(IndexRequest, String)] = [
            (IndexRequest(fieldName: "f", indexType: "HNSW", params: [Property("M", "0")]), "'M'"),
            (IndexRequest(fieldName: "f", indexType: "HNSW", params: [Property("efConstruction", "x")]), "'efConstruction'"),
            (IndexRequest(fieldName: "f", indexType: "IVF_FLAT", params: [Property("nlist", "70000")]), "'nlist'"),
            (IndexRequest(fieldName: "f", indexType: "IVF_PQ"), "'m'"),
            (IndexRequest(fieldName: "f", indexType: "IVF_PQ", params: [Property("m", "5")]), "divide"),
            (IndexRequest(fieldName: "f", indexType: "IVF_PQ", params: [Property("m", "4"), Property("nbits", "17")]), "'nbits'"),
            (IndexRequest(fieldName: "f", metricType: "HAMMING"), "HAMMING"),
            (IndexRequest(fieldName: "f", indexType: "BIN_FLAT"), "BIN_FLAT"),
            (IndexRequest(fieldName: "f", indexType: "DISKANN"), "DISKANN"),
            (IndexRequest(fieldName: "b", metricType: "L2"), "L2"),
            (IndexRequest(fieldName: "s", params: [Property("inverted_index_algo", "FAST")]), "inverted_index_algo"),
            (IndexRequest(fieldName: "price", indexType: "HNSW"), "HNSW"),
            (IndexRequest(fieldName: "price", indexType: "BITMAP"), "BITMAP"),
            (IndexRequest(fieldName: "meta", indexType: "INVERTED"), "json_cast_type"),
        ]
        for (request, mention) in cases {
            do {
                try create(request)
                Issue.record("accepted \(request)")
            } catch {
                #expect(error.code == .invalidParameter)
                #expect(error.message.contains(mention), "\(error.message)")
            }
        }
        #expect(try engine.listIndexes(database: "default", collection: "c").isEmpty)
    }

    @Test func oneDistinctIndexPerField() throws {
        let (_, engine) = try engineWithCollection()
        let hnsw = IndexRequest(fieldName: "f", indexType: "HNSW", metricType: "L2", params: [Property("M", "8")])
        try engine.createIndexes(database: "default", collection: "c", requests: [hnsw])
        try engine.createIndexes(database: "default", collection: "c", requests: [hnsw])  // identical: no-op
        expectCode(.unexpected) {
            try engine.createIndexes(database: "default", collection: "c",
                                     requests: [IndexRequest(fieldName: "f", indexType: "HNSW", metricType: "IP", params: [Property("M", "8")])])
        }
        expectCode(.unexpected) {
            try engine.createIndexes(database: "default", collection: "c", requests: [IndexRequest(fieldName: "b", indexName: "f")])
        }
        #expect(try engine.listIndexes(database: "default", collection: "c") == ["f"])
    }
}
