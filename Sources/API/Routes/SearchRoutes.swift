import Engine
import JSON
import VectorCore

/// `/v2/vectordb/entities/search`, `hybrid_search` and its alias `advanced_search` (reference §6.5–6.6, §8).
enum SearchRoutes {
    static let maxTopK = 16_384
    static let maxGroupSize = 10

    static func search(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let database = try ctx.database()
        let c = try ctx.engine.describeCollection(database: database, name: name)
        guard let data = try ctx.body.array("data") else { throw ctx.body.missing("data") }
        let field = try annsField(try ctx.body.string("annsField") ?? "", schema: c.schema)
        let metric = try ctx.engine.metric(of: field.name, in: c)
        let params = try searchParams(ctx.body)
        try checkMetric(params, index: metric, field: field)
        let (limit, offset) = try window(limit: try ctx.body.int("limit") ?? 100, offset: try ctx.body.int("offset") ?? 0)
        let grouping = try groupingSpec(ctx.body, schema: c.schema)
        let (radius, rangeFilter) = try range(params, metric: metric)
        let width = try searchWidth(params, index: c.index(onField: field.name))
        if radius != nil, grouping != nil {
            throw .invalidParameter("Not allowed to do range-search when doing search-group-by")
        }
        try checkConsistency(ctx.body)
        let filter = try FilterCompiler.compile(try ctx.body.string("filter") ?? "", parameters: try ctx.body.object("exprParams"), schema: c.schema)
        let spec = SearchSpec(field: field.name, queries: try queryVectors(data, field: field), limit: limit, offset: offset,
                              selection: RowSelection(partitions: try ctx.body.stringArray("partitionNames") ?? [], filter: filter),
                              radius: radius, rangeFilter: rangeFilter, ef: width.ef, nprobe: width.nprobe,
                              dropRatio: try ratioParam(params, "drop_ratio_search"))
        let output = try OutputFields(try ctx.body.stringArray("outputFields") ?? [], schema: c.schema)
        let hits = try ctx.engine.search(database: database, collection: c.name, spec: spec, grouping: grouping,
                                         fields: Set(output.fields), dynamic: output.dynamicKeys != nil)
        return reply(hits, schema: c.schema, output: output, options: ctx.options)
    }

    static func hybridSearch(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let name = try ctx.body.requiredString("collectionName")
        let database = try ctx.database()
        let c = try ctx.engine.describeCollection(database: database, name: name)
        guard let subValues = try ctx.body.array("search") else { throw ctx.body.missing("search") }
        guard !subValues.isEmpty else { throw .invalidParameter("hybrid search needs at least one sub-search in search") }
        var subs: [SearchSpec] = []
        for (i, value) in subValues.enumerated() {
            guard case .object(let object) = value else {
                throw SwiftvecError(.invalidJSON, "can only accept json format request, error: search[\(i)]: expected an object, got \(value.typeName)")
            }
            let sub = ctx.body.nested(object, path: "search[\(i)]")
            guard let data = try sub.array("data") else { throw sub.missing("data") }
            let field = try annsField(try sub.string("annsField") ?? "", schema: c.schema)
            let metric = try ctx.engine.metric(of: field.name, in: c)
            let params = try searchParams(sub, key: "params")
            try checkMetric(params, index: metric, field: field)
            guard let subLimit = try sub.int("limit"), subLimit >= 1 else {
                throw .invalidParameter("search[\(i)].limit should be given, in range [1, \(maxTopK)]")
            }
            let (limit, offset) = try window(limit: subLimit, offset: try sub.int("offset") ?? 0)
            let (radius, rangeFilter) = try range(params, metric: metric)
            let width = try searchWidth(params, index: c.index(onField: field.name))
            let filter = try FilterCompiler.compile(try sub.string("filter") ?? "", parameters: try sub.object("exprParams"), schema: c.schema)
            subs.append(SearchSpec(field: field.name, queries: try queryVectors(data, field: field), limit: limit, offset: offset,
                                   selection: RowSelection(filter: filter), radius: radius, rangeFilter: rangeFilter,
                                   ef: width.ef, nprobe: width.nprobe, dropRatio: try ratioParam(params, "drop_ratio_search")))
        }
        guard Set(subs.map(\.queries.count)).count == 1 else {
            throw .invalidParameter("every sub-search must have the same number of query vectors")
        }
        let ranker = try ranker(try ctx.body.object("rerank"), subs: subs.count)
        let (limit, offset) = try window(limit: try ctx.body.int("limit") ?? 100, offset: try ctx.body.int("offset") ?? 0)
        let grouping = try groupingSpec(ctx.body, schema: c.schema)
        try checkConsistency(ctx.body)
        let output = try OutputFields(try ctx.body.stringArray("outputFields") ?? [], schema: c.schema)
        let hits = try ctx.engine.hybridSearch(database: database, collection: c.name, subs: subs, ranker: ranker, limit: limit,
                                               offset: offset, partitions: try ctx.body.stringArray("partitionNames") ?? [],
                                               grouping: grouping, fields: Set(output.fields), dynamic: output.dynamicKeys != nil)
        return reply(hits, schema: c.schema, output: output, options: ctx.options)
    }

    // MARK: Request parts

    /// The vector field searched: the named one, or the only vector field.
    private static func annsField(_ name: String, schema: CollectionSchema) throws(SwiftvecError) -> FieldSchema {
        let vectors = schema.vectorFields
        if name.isEmpty {
            guard vectors.count == 1 else {
                throw SwiftvecError(.invalidJSON, "can only accept json format request, error: search without annsField, but already found multiple vector fields: [\(vectors.map(\.name).joined(separator: ", "))]")
            }
            return vectors[0]
        }
        guard let f = vectors.first(where: { $0.name == name }) else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: field not found[field=\(name)]: cannot find a vector field")
        }
        return f
    }

    /// `searchParams` (or a sub-search's `params`): keys may sit at the top level or under `params`; the
    /// same key with two different values is ambiguous (1100).
    private static func searchParams(_ body: RequestBody, key: String = "searchParams") throws(SwiftvecError) -> JSONObject {
        guard let top = try body.object(key) else { return JSONObject() }
        var merged = JSONObject()
        for entry in top.entries where entry.key != "params" { merged[entry.key] = entry.value }
        if let inner = top["params"]?.objectValue {
            for entry in inner.entries {
                if let existing = merged[entry.key], existing != entry.value, existing.doubleValue == nil || existing.doubleValue != entry.value.doubleValue {
                    throw .invalidParameter("ambiguous parameter: \(entry.key), in search_param: \(RequestBody.stringify(existing)), in search_param.params: \(RequestBody.stringify(entry.value))")
                }
                merged[entry.key] = entry.value
            }
        } else if let inner = top["params"], !inner.isNull {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: \(key).params: expected an object, got \(inner.typeName)")
        }
        return merged
    }

    /// A metric named in the search must fit the field and be the index's (Milvus's REST layer ignores it).
    private static func checkMetric(_ params: JSONObject, index: Metric, field: FieldSchema) throws(SwiftvecError) {
        guard let value = params["metricType"] ?? params["metric_type"], let name = value.stringValue, !name.isEmpty else { return }
        guard let metric = Metric(rawValue: name.uppercased()) else {
            throw .invalidParameter("metric type \(name) is not supported")
        }
        let fits: Bool = switch field.dataType {
        case .binaryVector: metric == .hamming || metric == .jaccard
        case .sparseFloatVector: metric == .ip
        default: metric == .l2 || metric == .ip || metric == .cosine
        }
        guard fits else { throw .invalidParameter("metric type \(metric.rawValue) does not fit the \(field.dataType.name) field \(field.name)") }
        guard metric == index else {
            throw .invalidParameter("metric type not match: invalid parameter[expected=\(index.rawValue)][actual=\(metric.rawValue)]")
        }
    }

    /// `ef` and `nprobe` as given; under AUTOINDEX, `level` (1–10, Milvus's search precision level) sets
    /// the ones not given: `level` times the defaults (ef 64, nprobe 8), so that a higher level searches
    /// wider. Level 1 is the default search.
    private static func searchWidth(_ params: JSONObject, index: IndexDefinition?) throws(SwiftvecError) -> (ef: Int?, nprobe: Int?) {
        let ef = try intParam(params, "ef"), nprobe = try intParam(params, "nprobe")
        guard index?.indexType == "AUTOINDEX", let value = params["level"], !value.isNull else { return (ef, nprobe) }
        guard let level = value.intValue ?? value.stringValue.flatMap({ Int64($0) }), (1...10).contains(level) else {
            throw .invalidParameter("param 'level' (\(RequestBody.stringify(value))) should be an integer in range [1, 10]")
        }
        return (ef ?? 64 * Int(level), nprobe ?? 8 * Int(level))
    }

    /// An index search parameter (`ef`, `nprobe`): an integer ≥ 1, if given.
    private static func intParam(_ params: JSONObject, _ key: String) throws(SwiftvecError) -> Int? {
        guard let v = params[key], !v.isNull else { return nil }
        guard let n = v.intValue ?? v.stringValue.flatMap({ Int64($0) }), n >= 1, n <= Int64(Int32.max) else {
            throw .invalidParameter("param '\(key)' (\(RequestBody.stringify(v))) should be an integer in range [1, \(Int32.max)]")
        }
        return Int(n)
    }

    /// A ratio search parameter (`drop_ratio_search`): a number in [0, 1), if given.
    private static func ratioParam(_ params: JSONObject, _ key: String) throws(SwiftvecError) -> Float? {
        guard let v = params[key], !v.isNull else { return nil }
        guard let x = v.doubleValue ?? v.stringValue.flatMap({ Double($0) }), x >= 0, x < 1 else {
            throw .invalidParameter("param '\(key)' (\(RequestBody.stringify(v))) should be a number in range [0, 1)")
        }
        return Float(x)
    }

    private static func window(limit: Int64, offset: Int64) throws(SwiftvecError) -> (Int, Int) {
        guard limit >= 1, limit <= Int64(maxTopK) else { throw .invalidParameter("limit \(limit) should be in range [1, \(maxTopK)]") }
        guard offset >= 0 else { throw .invalidParameter("offset \(offset) should not be negative") }
        guard limit + offset <= Int64(maxTopK) else {
            throw .invalidParameter("(offset+limit) should be in range [1, \(maxTopK)], but got \(limit + offset)")
        }
        return (Int(limit), Int(offset))
    }

    private static func range(_ params: JSONObject, metric: Metric) throws(SwiftvecError) -> (Float?, Float?) {
        func number(_ key: String) throws(SwiftvecError) -> Float? {
            guard let v = params[key], !v.isNull else { return nil }
            guard let d = v.doubleValue ?? v.stringValue.flatMap({ Double($0) }), d.isFinite else {
                throw .invalidParameter("\(key) should be a number, got \(RequestBody.stringify(v))")
            }
            return Float(d)
        }
        let radius = try number("radius"), rangeFilter = try number("range_filter")
        guard let radius else {
            if rangeFilter != nil { throw .invalidParameter("range_filter needs radius") }
            return (nil, nil)
        }
        if let rangeFilter {
            if metric.higherIsBetter, !(radius < rangeFilter) {
                throw .invalidParameter("range_filter must be greater than radius for \(metric.rawValue), got radius \(radius) and range_filter \(rangeFilter)")
            }
            if !metric.higherIsBetter, !(radius > rangeFilter) {
                throw .invalidParameter("range_filter must be less than radius for \(metric.rawValue), got radius \(radius) and range_filter \(rangeFilter)")
            }
        }
        return (radius, rangeFilter)
    }

    private static func groupingSpec(_ body: RequestBody, schema: CollectionSchema) throws(SwiftvecError) -> GroupingSpec? {
        guard let name = try body.string("groupingField"), !name.isEmpty else { return nil }
        guard let field = schema.field(named: name) else {
            throw SwiftvecError(.fieldNotFound, "groupBy field not found in schema: field not found[field=\(name)]")
        }
        guard field.dataType.isInteger || field.dataType == .varChar || field.dataType == .bool else {
            throw .invalidParameter("grouping by field \(name) of type \(field.dataType.name) is not supported; use an Int, VarChar or Bool field")
        }
        let size = try body.int("groupSize") ?? 1
        guard size >= 1, size <= Int64(maxGroupSize) else {
            throw .invalidParameter("groupSize \(size) should be in range [1, \(maxGroupSize)]")
        }
        return GroupingSpec(field: name, size: Int(size), strict: try body.bool("strictGroupSize") ?? false)
    }

    private static func ranker(_ rerank: JSONObject?, subs: Int) throws(SwiftvecError) -> Ranker {
        guard let rerank else { return .reciprocalRank(k: 60) }
        let strategy = (rerank["strategy"]?.stringValue ?? "rrf").lowercased()
        let params = rerank["params"]?.objectValue ?? JSONObject()
        switch strategy {
        case "rrf":
            let k = params["k"]?.doubleValue ?? 60
            guard k > 0, k < 16_384 else { throw .invalidParameter("the rank param k should be in range (0, 16384), got \(k)") }
            return .reciprocalRank(k: k)
        case "weighted":
            guard let weights = params["weights"]?.arrayValue?.compactMap(\.doubleValue), weights.count == params["weights"]?.arrayValue?.count else {
                throw .invalidParameter("weighted rerank needs params.weights, a list of numbers")
            }
            guard weights.count == subs else { throw .invalidParameter("the length of weights param mismatch with ann search requests") }
            guard weights.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw .invalidParameter("rank param weight should be in range [0, 1]") }
            return .weighted(weights, normalize: params["norm_score"]?.boolValue ?? true)
        default:
            throw .invalidParameter("unsupported rank type \(strategy)")
        }
    }

    private static func checkConsistency(_ body: RequestBody) throws(SwiftvecError) {
        if let level = try body.string("consistencyLevel"), !level.isEmpty, ConsistencyLevel(rawValue: level) == nil {
            throw .invalidParameter("consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized], default: Bounded, err:parameter:'\(level)' is incorrect, please check it")
        }
    }

    /// Query vectors in the field's encoding (reference §7.3), checked for dimension and finiteness.
    static func queryVectors(_ data: [JSONValue], field: FieldSchema) throws(SwiftvecError) -> [QueryVector] {
        guard !data.isEmpty, data.count <= maxTopK else {
            throw .invalidParameter("the number of query vectors (nq) should be in range [1, \(maxTopK)], got \(data.count)")
        }
        let dim = field.dimension ?? 0
        func dimensionError(_ n: Int) -> SwiftvecError {
            SwiftvecError(.invalidJSON, "can only accept json format request, error: dimension: \(dim), but length of []float: \(n): invalid parameter[expected=\(field.dataType.name)][actual=\(n)]")
        }
        var result: [QueryVector] = []
        result.reserveCapacity(data.count)
        for (q, value) in data.enumerated() {
            switch field.dataType {
            case .floatVector, .float16Vector, .bFloat16Vector, .int8Vector:
                var floats: [Float]
                if case .string(let text) = value, field.dataType == .float16Vector || field.dataType == .bFloat16Vector {
                    guard let bytes = Base64.decode(text), bytes.count == dim * 2 else { throw dimensionError((Base64.decode(text)?.count ?? 0) / 2) }
                    floats = (0..<dim).map { i in
                        let h = UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8
                        return field.dataType == .float16Vector ? Float(Float16(bitPattern: h)) : Float(bitPattern: UInt32(h) << 16)
                    }
                } else {
                    guard case .array(let items) = value else {
                        throw SwiftvecError(.invalidJSON, "can only accept json format request, error: data[\(q)]: expected an array of \(dim) numbers, got \(value.typeName)")
                    }
                    guard items.count == dim else { throw dimensionError(items.count) }
                    // One pass over the components' storage, without a copy of each (768 of them a query).
                    var notNumber: Int?
                    floats = [Float](repeating: 0, count: dim)
                    floats.withUnsafeMutableBufferPointer { floats in
                        items.withUnsafeBufferPointer { items in
                            for i in 0..<dim {
                                guard let d = items[i].doubleValue else {
                                    notNumber = i
                                    return
                                }
                                floats[i] = Float(d)
                            }
                        }
                    }
                    if let i = notNumber {
                        throw SwiftvecError(.invalidJSON, "can only accept json format request, error: data[\(q)][\(i)]: expected a number, got \(items[i].typeName)")
                    }
                    // The query takes the field's element type, as the stored vectors did.
                    switch field.dataType {
                    case .float16Vector: floats = floats.map { Float(Float16($0)) }
                    case .bFloat16Vector: floats = floats.map { Float(bitPattern: UInt32(RowDecoder.bfloat16($0)) << 16) }
                    case .int8Vector:
                        guard floats.allSatisfy({ $0 == $0.rounded() && $0 >= -128 && $0 <= 127 }) else {
                            throw .invalidParameter("data[\(q)]: an Int8Vector query needs integers in -128..127")
                        }
                    default: break
                    }
                }
                if let bad = floats.firstIndex(where: { !$0.isFinite }) {
                    throw .invalidParameter("data[\(q)][\(bad)]: the query vector has a NaN or infinite component")
                }
                result.append(.floats(floats))
            case .binaryVector:
                let n = dim / 8
                var bytes: [UInt8]?
                if case .string(let text) = value { bytes = Base64.decode(text) }
                if case .array(let items) = value {
                    bytes = items.compactMap { $0.intValue.flatMap { $0 >= 0 && $0 <= 255 ? UInt8($0) : nil } }
                    if bytes?.count != items.count { bytes = nil }
                }
                guard let bytes, bytes.count == n else {
                    throw SwiftvecError(.invalidJSON, "can only accept json format request, error: data[\(q)]: expected \(n) bytes (base64 or an array) for a BinaryVector of dim \(dim)")
                }
                result.append(.bits(bytes))
            case .sparseFloatVector:
                let decoder = RowDecoder(schema: CollectionSchema(enableDynamicField: false, fields: [field]), properties: [],
                                         isUpsert: false, nativeJSON: true)
                do throws(SwiftvecError) {
                    if case .sparse(let s) = try decoder.decodeValue(value, field: field, row: q) { result.append(.sparse(s)) }
                } catch {
                    throw SwiftvecError(.invalidJSON, "can only accept json format request, error: query vector: \(Self.dropInsertWording(error.message))")
                }
            default:
                throw .invalidParameter("field \(field.name) is not a vector field")
            }
        }
        return result
    }

    /// The row decoder's message without its insert wording (`fail to deal the insert data, error: data[0].v: `).
    private static func dropInsertWording(_ message: String) -> String {
        var text = Substring(message)
        let prefix = "fail to deal the insert data, error: "
        if text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        if text.hasPrefix("data["), let colon = text.firstIndex(of: ":") { text = text[text.index(after: colon)...].drop { $0 == " " } }
        return String(text)
    }

    // MARK: Reply

    /// Hits flattened across query vectors, with `topks` giving each query's count; no hits at all is
    /// `"data":[]` without `topks`, as Milvus answers.
    private static func reply(_ hits: [[SearchHit]], schema: CollectionSchema, output: OutputFields, options: APIOptions) -> Reply {
        guard hits.contains(where: { !$0.isEmpty }) else { return Reply(data: .array([]), extra: [("cost", 0)]) }
        let encoder = RowEncoder(schema: schema, fields: output.fields, dynamicKeys: output.dynamicKeys, options: options)
        return Reply(stream: EncodedRows(encoder: encoder, rows: .hits(hits)),
                     extra: [("cost", 0), ("topks", .array(hits.map { .int(Int64($0.count)) }))])
    }
}
