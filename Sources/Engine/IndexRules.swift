import Filter

/// A request to create an index, as the user gave it (empty strings mean "not given").
public struct IndexRequest: Sendable, Equatable {
    public var fieldName: String
    public var indexName: String
    public var indexType: String
    public var metricType: String
    /// Build parameters as strings (`M`, `efConstruction`, `nlist`, ...).
    public var params: [Property]

    public init(fieldName: String, indexName: String = "", indexType: String = "", metricType: String = "",
                params: [Property] = []) {
        self.fieldName = fieldName
        self.indexName = indexName
        self.indexType = indexType
        self.metricType = metricType
        self.params = params
    }
}

/// Which index types, metrics and build parameters each field type takes, with Milvus's ranges and
/// defaults (reference §13).
enum IndexRules {
    private struct IntParam {
        let key: String
        let range: ClosedRange<Int>
        let defaultValue: Int?
    }

    static let floatMetrics = ["L2", "IP", "COSINE"]
    static let binaryMetrics = ["HAMMING", "JACCARD"]
    static let sparseMetrics = ["IP"]
    static let sparseAlgorithms = ["DAAT_MAXSCORE", "DAAT_WAND", "TAAT_NAIVE"]
    static let jsonCastTypes = ["BOOL", "DOUBLE", "VARCHAR", "ARRAY_BOOL", "ARRAY_DOUBLE", "ARRAY_VARCHAR"]

    /// The metric used when a vector index names none.
    static func defaultMetric(for type: DataType) -> String {
        switch type {
        case .binaryVector: "HAMMING"
        case .sparseFloatVector: "IP"
        default: "COSINE"
        }
    }

    /// Vector index types per vector type.
    static func vectorIndexTypes(for type: DataType) -> [String] {
        switch type {
        case .floatVector, .float16Vector, .bFloat16Vector: ["AUTOINDEX", "FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ"]
        case .int8Vector: ["AUTOINDEX", "FLAT", "HNSW"]
        case .binaryVector: ["AUTOINDEX", "BIN_FLAT", "BIN_IVF_FLAT"]
        case .sparseFloatVector: ["AUTOINDEX", "SPARSE_INVERTED_INDEX", "SPARSE_WAND"]
        default: []
        }
    }

    /// The path a JSON index keys (`json_path`, such as `meta["a"][0]`), parsed as a filter would read it: the
    /// field's name, then keys and indexes. The whole value when `text` is the field's name; nil when it
    /// names another field or is not a path.
    static func jsonPath(_ text: String, field: FieldSchema) -> [FilterExpression.PathComponent]? {
        switch try? FilterParser.parse(text) {
        case .identifier(let name) where name == field.name: []
        case .path(let name, let components) where name == field.name: components
        default: nil
        }
    }

    /// The keys and cast of a JSON index, when it has a valid cast type (then its path is valid too).
    static func jsonCast(_ definition: IndexDefinition, field: FieldSchema) -> ScalarIndex.JSONCast? {
        guard field.dataType == .json, let cast = definition.params.value(of: "json_cast_type"),
              let path = jsonPath(definition.params.value(of: "json_path") ?? field.name, field: field) else { return nil }
        return ScalarIndex.JSONCast(path: path, castType: cast)
    }

    /// Scalar index types per scalar type.
    static func scalarIndexTypes(for field: FieldSchema) -> [String] {
        switch field.dataType {
        case .bool: ["AUTOINDEX", "INVERTED", "BITMAP"]
        case .int8, .int16, .int32, .int64: ["AUTOINDEX", "INVERTED", "STL_SORT", "BITMAP"]
        case .float, .double: ["AUTOINDEX", "INVERTED", "STL_SORT"]
        case .varChar: ["AUTOINDEX", "INVERTED", "STL_SORT", "Trie", "BITMAP"]
        case .array:
            (field.elementType == .float || field.elementType == .double) ? ["AUTOINDEX", "INVERTED"]
                : ["AUTOINDEX", "INVERTED", "BITMAP"]
        case .json: ["AUTOINDEX", "INVERTED"]
        default: []
        }
    }

    private static func intParams(indexType: String) -> [IntParam] {
        switch indexType {
        case "HNSW": [IntParam(key: "M", range: 1...2048, defaultValue: 30),
                      IntParam(key: "efConstruction", range: 1...Int(Int32.max), defaultValue: 360)]
        case "IVF_FLAT", "IVF_SQ8", "BIN_IVF_FLAT": [IntParam(key: "nlist", range: 1...65_536, defaultValue: 128)]
        case "IVF_PQ": [IntParam(key: "nlist", range: 1...65_536, defaultValue: 128),
                        IntParam(key: "m", range: 1...65_536, defaultValue: nil),
                        IntParam(key: "nbits", range: 1...16, defaultValue: 8)]
        default: []
        }
    }

    /// Validates `request` against `field` and returns the definition with upper-cased names and defaults
    /// filled in. Messages name the parameter and its range.
    static func definition(for request: IndexRequest, field: FieldSchema, id: Int64) throws(SwiftvecError) -> IndexDefinition {
        let name = request.indexName.isEmpty ? field.name : request.indexName
        try NameRules.validate(name, kind: "index")
        var indexType = request.indexType.isEmpty ? (request.params.value(of: "index_type") ?? "") : request.indexType
        indexType = indexType.isEmpty ? "AUTOINDEX" : indexType
        var params = request.params.filter { $0.key != "index_type" && $0.key != "metric_type" }

        guard field.dataType.isVector else {
            let allowed = scalarIndexTypes(for: field)
            guard let canonical = allowed.first(where: { $0.uppercased() == indexType.uppercased() }) else {
                throw .invalidParameter(allowed.isEmpty ? "field \(field.name) of type \(field.dataType.name) cannot be indexed"
                    : "index type \(indexType) is not supported for field \(field.name) of type \(field.dataType.name), expected one of \(allowed.joined(separator: ", "))")
            }
            if field.dataType == .json, canonical == "INVERTED" || params.value(of: "json_cast_type") != nil {
                guard let cast = params.value(of: "json_cast_type"), jsonCastTypes.contains(cast.uppercased()) else {
                    throw .invalidParameter("json_cast_type of an INVERTED index on JSON field \(field.name) must be one of \(jsonCastTypes.joined(separator: ", "))")
                }
                params.set("json_cast_type", cast.uppercased())
                if let path = params.value(of: "json_path"), jsonPath(path, field: field) == nil {
                    throw .invalidParameter("json_path \(path) must be a path into JSON field \(field.name), such as \(field.name)[\"key\"]")
                }
            }
            return IndexDefinition(id: id, name: name, fieldName: field.name, indexType: canonical, metricType: nil,
                                   params: params, properties: [])
        }

        let allowedTypes = vectorIndexTypes(for: field.dataType)
        indexType = indexType.uppercased()
        guard allowedTypes.contains(indexType) else {
            throw .invalidParameter("index type \(indexType) is not supported for field \(field.name) of type \(field.dataType.name), expected one of \(allowedTypes.joined(separator: ", "))")
        }
        var metric = request.metricType.isEmpty ? (request.params.value(of: "metric_type") ?? "") : request.metricType
        metric = metric.isEmpty ? defaultMetric(for: field.dataType) : metric.uppercased()
        let metrics: [String] = switch field.dataType {
        case .binaryVector: binaryMetrics
        case .sparseFloatVector: sparseMetrics
        default: floatMetrics
        }
        guard metrics.contains(metric) else {
            throw .invalidParameter("metric type \(metric) is not supported for field \(field.name) of type \(field.dataType.name), expected one of \(metrics.joined(separator: ", "))")
        }
        // AUTOINDEX resolves to HNSW (M=18, efConstruction=240), BIN_IVF_FLAT (nlist=1024) or
        // SPARSE_INVERTED_INDEX; parameters given with it are checked against the resolved type's ranges.
        let isAuto = indexType == "AUTOINDEX"
        let ruleType = isAuto ? autoIndexResolution(for: field.dataType) : indexType
        for p in intParams(indexType: ruleType) {
            if let raw = params.value(of: p.key) {
                guard let v = Int(raw), p.range.contains(v) else {
                    throw .invalidParameter("param '\(p.key)' (\(raw)) should be an integer in range [\(p.range.lowerBound), \(p.range.upperBound)]")
                }
            } else if let d = p.defaultValue {
                if !isAuto { params.set(p.key, String(d)) }
            } else if !isAuto {
                throw .invalidParameter("param '\(p.key)' is required for \(indexType), an integer in range [\(p.range.lowerBound), \(p.range.upperBound)]")
            }
        }
        if ruleType == "IVF_PQ", let m = params.value(of: "m").flatMap({ Int($0) }), let dim = field.dimension, dim % m != 0 {
            throw .invalidParameter("param 'm' (\(m)) should divide the dimension (\(dim))")
        }
        if ruleType == "SPARSE_INVERTED_INDEX" || ruleType == "SPARSE_WAND" {
            if let algo = params.value(of: "inverted_index_algo") {
                guard sparseAlgorithms.contains(algo) else {
                    throw .invalidParameter("param 'inverted_index_algo' (\(algo)) should be one of \(sparseAlgorithms.joined(separator: ", "))")
                }
            }
            if let raw = params.value(of: "drop_ratio_build") {
                guard let v = Double(raw), v >= 0, v < 1 else {
                    throw .invalidParameter("param 'drop_ratio_build' (\(raw)) should be a number in range [0, 1)")
                }
            }
        }
        return IndexDefinition(id: id, name: name, fieldName: field.name, indexType: indexType, metricType: metric,
                               params: params, properties: [])
    }

    /// The index type AUTOINDEX stands for, per vector type.
    static func autoIndexResolution(for type: DataType) -> String {
        switch type {
        case .binaryVector: "BIN_IVF_FLAT"
        case .sparseFloatVector: "SPARSE_INVERTED_INDEX"
        default: "HNSW"
        }
    }

    /// True when two definitions describe the same index (ids aside): re-creating it is a no-op.
    static func same(_ a: IndexDefinition, _ b: IndexDefinition) -> Bool {
        a.name == b.name && a.fieldName == b.fieldName && a.indexType == b.indexType && a.metricType == b.metricType
            && Set(a.params.map { "\($0.key)=\($0.value)" }) == Set(b.params.map { "\($0.key)=\($0.value)" })
    }
}
