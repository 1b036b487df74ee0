/// One field of a collection schema.
public struct FieldSchema: Sendable, Equatable {
    /// Field ids start at 100, in schema order.
    public var id: Int64
    public var name: String
    public var description: String
    public var dataType: DataType
    /// The element type of an `Array` field.
    public var elementType: DataType?
    public var isPrimaryKey: Bool
    public var isPartitionKey: Bool
    public var isClusteringKey: Bool
    public var autoID: Bool
    public var nullable: Bool
    /// Type params (`dim`, `max_length`, `max_capacity`, ...) as strings, as Milvus keeps them.
    public var typeParams: [Property]
    public var defaultValue: ScalarValue?

    public init(id: Int64 = 0, name: String, description: String = "", dataType: DataType, elementType: DataType? = nil,
                isPrimaryKey: Bool = false, isPartitionKey: Bool = false, isClusteringKey: Bool = false,
                autoID: Bool = false, nullable: Bool = false, typeParams: [Property] = [], defaultValue: ScalarValue? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.dataType = dataType
        self.elementType = elementType
        self.isPrimaryKey = isPrimaryKey
        self.isPartitionKey = isPartitionKey
        self.isClusteringKey = isClusteringKey
        self.autoID = autoID
        self.nullable = nullable
        self.typeParams = typeParams
        self.defaultValue = defaultValue
    }

    /// The vector dimension (`dim`), for dense vector fields.
    public var dimension: Int? { typeParams.value(of: "dim").flatMap { Int($0) } }
    public var maxLength: Int? { typeParams.value(of: "max_length").flatMap { Int($0) } }
    public var maxCapacity: Int? { typeParams.value(of: "max_capacity").flatMap { Int($0) } }
}

/// A collection's schema.
public struct CollectionSchema: Sendable, Equatable {
    public var description: String
    public var enableDynamicField: Bool
    public var fields: [FieldSchema]

    public init(description: String = "", enableDynamicField: Bool, fields: [FieldSchema]) {
        self.description = description
        self.enableDynamicField = enableDynamicField
        self.fields = fields
    }

    public var primaryField: FieldSchema? { fields.first(where: \.isPrimaryKey) }
    public var vectorFields: [FieldSchema] { fields.filter { $0.dataType.isVector } }
    public var partitionKeyField: FieldSchema? { fields.first(where: \.isPartitionKey) }
    public func field(named name: String) -> FieldSchema? { fields.first(where: { $0.name == name }) }
}

/// A partition of a collection.
public struct PartitionInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var loaded: Bool
    public var createdAt: Int64

    public static let defaultName = "_default"
}

/// An index definition on one field. Building comes with the index engine; the definition is validated
/// and persisted now.
public struct IndexDefinition: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var fieldName: String
    /// The type as the user asked for it, upper-cased (`HNSW`, `AUTOINDEX`, `INVERTED`, ...).
    public var indexType: String
    /// The metric of a vector index (`L2`, `IP`, `COSINE`, `HAMMING`, `JACCARD`); nil for scalar indexes.
    public var metricType: String?
    /// Build parameters with their defaults filled in (`M`, `efConstruction`, `nlist`, ...).
    public var params: [Property]
    /// Index properties (`mmap.enabled`, ...).
    public var properties: [Property]
}

/// A collection's whole catalog entry.
public struct CollectionInfo: Sendable, Equatable {
    public var id: Int64
    public var databaseID: Int64
    public var name: String
    public var schema: CollectionSchema
    public var shardsNum: Int32
    public var consistencyLevel: ConsistencyLevel
    public var partitions: [PartitionInfo]
    public var indexes: [IndexDefinition]
    public var properties: [Property]
    /// True when the whole collection was loaded (new partitions are then loaded too).
    public var loadedAsCollection: Bool
    public var createdAt: Int64
    /// The operation number of the last change to this entry.
    public var lastOperation: UInt64

    /// Loaded when any partition is loaded (Milvus reports a partially loaded collection as loaded).
    public var isLoaded: Bool { partitions.contains(where: \.loaded) }
    public func partition(named name: String) -> PartitionInfo? { partitions.first(where: { $0.name == name }) }
    public func index(named name: String) -> IndexDefinition? { indexes.first(where: { $0.name == name }) }
    public func index(onField field: String) -> IndexDefinition? { indexes.first(where: { $0.fieldName == field }) }
}

/// A database's catalog entry.
public struct DatabaseInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var properties: [Property]
    public var createdAt: Int64

    public static let defaultName = "default"
    public static let defaultID: Int64 = 1
}

/// Load state of a collection or of a set of partitions, as Milvus names it.
public enum LoadState: String, Sendable {
    case notExist = "LoadStateNotExist"
    case notLoad = "LoadStateNotLoad"
    case loading = "LoadStateLoading"
    case loaded = "LoadStateLoaded"
}

/// Another name for a collection, usable wherever a collection name is.
public struct AliasInfo: Sendable, Equatable {
    public var id: Int64
    public var databaseID: Int64
    public var name: String
    public var collectionID: Int64
}
