/// What `createCollection` needs besides the name.
public struct CollectionDefinition: Sendable {
    public var name: String
    public var schema: CollectionSchema
    public var shardsNum: Int32
    public var consistencyLevel: ConsistencyLevel
    /// Number of hashed partitions of a partition-key collection (nil: the default, 16).
    public var partitionsNum: Int?
    public var properties: [Property]

    public init(name: String, schema: CollectionSchema, shardsNum: Int32 = 1, consistencyLevel: ConsistencyLevel = .bounded,
                partitionsNum: Int? = nil, properties: [Property] = []) {
        self.name = name
        self.schema = schema
        self.shardsNum = shardsNum
        self.consistencyLevel = consistencyLevel
        self.partitionsNum = partitionsNum
        self.properties = properties
    }

    public static let defaultPartitionsNum = 16
    public static let maxFields = 64
    public static let maxVectorFields = 10
    public static let maxShards: Int32 = 16
}

extension CollectionSchema {
    /// Checks the schema against Milvus's rules and returns it with field ids assigned (100, 101, ...).
    func validated() throws(SwiftvecError) -> CollectionSchema {
        guard !fields.isEmpty else { throw .invalidParameter("schema has no fields") }
        guard fields.count <= CollectionDefinition.maxFields else {
            throw .invalidParameter("maximum field's number should be limited to \(CollectionDefinition.maxFields)")
        }
        var result = self
        var seen = Set<String>()
        for i in result.fields.indices {
            result.fields[i].id = Int64(100 + i)
            let f = result.fields[i]
            try NameRules.validate(f.name, kind: "field")
            guard f.name != "$meta" else { throw .invalidParameter("field name $meta is reserved for the dynamic field") }
            guard seen.insert(f.name).inserted else { throw .invalidParameter("duplicated field name \(f.name) found") }
            try f.validate()
        }
        let primaries = result.fields.filter(\.isPrimaryKey)
        guard primaries.count == 1 else {
            throw .invalidParameter(primaries.isEmpty ? "primary key is not specified"
                                    : "there are more than one primary key, field name = \(primaries[0].name), \(primaries[1].name)")
        }
        let vectors = result.fields.filter { $0.dataType.isVector }
        guard !vectors.isEmpty else { throw .invalidParameter("schema does not contain vector field") }
        guard vectors.count <= CollectionDefinition.maxVectorFields else {
            throw .invalidParameter("maximum vector field's number should be limited to \(CollectionDefinition.maxVectorFields)")
        }
        guard result.fields.filter(\.isPartitionKey).count <= 1 else {
            throw .invalidParameter("there are more than one partition key")
        }
        guard result.fields.filter(\.isClusteringKey).count <= 1 else {
            throw .invalidParameter("there are more than one clustering key")
        }
        return result
    }
}

extension FieldSchema {
    func validate() throws(SwiftvecError) {
        let t = dataType
        if isPrimaryKey {
            guard t == .int64 || t == .varChar else {
                throw .invalidParameter("the data type of primary key should be Int64 or VarChar, field \(name) is \(t.name)")
            }
            guard !nullable else { throw .invalidParameter("primary field \(name) cannot be nullable") }
            guard defaultValue == nil else { throw .invalidParameter("primary field \(name) cannot have a default value") }
            guard !autoID || t == .int64 else {
                throw .invalidParameter("autoID is only supported for an Int64 primary key, field \(name) is VarChar")
            }
        } else if autoID {
            throw .invalidParameter("only the primary field can set autoID, field \(name) is not primary")
        }
        if isPartitionKey {
            guard t == .int64 || t == .varChar else {
                throw .invalidParameter("the data type of partition key should be Int64 or VarChar, field \(name) is \(t.name)")
            }
            guard !isPrimaryKey else { throw .invalidParameter("the partition key field \(name) cannot be the primary field") }
            guard !nullable else { throw .invalidParameter("partition key field \(name) cannot be nullable") }
        }
        if isClusteringKey, t == .json || t == .array || t == .bool {
            throw .invalidParameter("clustering key field \(name) cannot be of type \(t.name)")
        }
        if t.isVector {
            guard !nullable else { throw .invalidParameter("vector field \(name) cannot be nullable") }
            guard defaultValue == nil else { throw .invalidParameter("vector field \(name) cannot have a default value") }
        }
        switch t {
        case .varChar:
            try requireIntParam("max_length", 1...65_535)
        case .array:
            guard let e = elementType else {
                throw .invalidParameter("element data type of array field \(name) is not set")
            }
            guard e.isArrayElementType else {
                throw .invalidParameter("element data type \(e.name) of array field \(name) is not supported")
            }
            try requireIntParam("max_capacity", 1...4_096)
            if e == .varChar { try requireIntParam("max_length", 1...65_535) }
        case .floatVector, .float16Vector, .bFloat16Vector, .int8Vector:
            try requireIntParam("dim", 2...32_768, dimension: true)
        case .binaryVector:
            let dim = try requireIntParam("dim", 8...262_144, dimension: true)
            guard dim % 8 == 0 else {
                throw .invalidParameter("dimension \(dim) of binary vector field \(name) should be a multiple of 8")
            }
        case .sparseFloatVector:
            guard typeParams.value(of: "dim") == nil else {
                throw .invalidParameter("sparse vector field \(name) does not take a dim")
            }
        default:
            break
        }
        if let value = defaultValue { try validateDefault(value) }
    }

    @discardableResult
    private func requireIntParam(_ key: String, _ range: ClosedRange<Int>, dimension: Bool = false) throws(SwiftvecError) -> Int {
        guard let raw = typeParams.value(of: key) else {
            throw .invalidParameter(dimension ? "dimension is not defined in field type params of field \(name)"
                                    : "type param(\(key)) should be specified for the field(\(name))")
        }
        guard let v = Int(raw), range.contains(v) else {
            throw .invalidParameter("invalid \(key) \(raw) of field \(name), should be in range \(range.lowerBound) ~ \(range.upperBound)")
        }
        return v
    }

    private func validateDefault(_ value: ScalarValue) throws(SwiftvecError) {
        let mismatch = SwiftvecError.invalidParameter("type (\(dataType.name)) of field (\(name)) is not equal to the type of the default value")
        switch (dataType, value) {
        case (.bool, .bool), (.float, .double), (.double, .double):
            break
        case (.int8, .int(let v)), (.int16, .int(let v)), (.int32, .int(let v)), (.int64, .int(let v)):
            let range: ClosedRange<Int64> = switch dataType {
            case .int8: -128...127
            case .int16: -32_768...32_767
            case .int32: Int64(Int32.min)...Int64(Int32.max)
            default: Int64.min...Int64.max
            }
            guard range.contains(v) else {
                throw .invalidParameter("default value \(v) of field \(name) is out of the range of \(dataType.name)")
            }
        case (.float, .int), (.double, .int):
            break
        case (.varChar, .string(let s)):
            if let maxLength, s.utf8.count > maxLength {
                throw .invalidParameter("the length (\(s.utf8.count)) of the default value of field \(name) exceeds max length (\(maxLength))")
            }
        case (.json, _), (.array, _):
            throw .invalidParameter("\(dataType.name) field \(name) cannot have a default value")
        default:
            throw mismatch
        }
    }
}
