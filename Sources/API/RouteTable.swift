/// Every route the server answers, in one place. Handlers live in one file per route group
/// (`Routes/*Routes.swift`).
enum RouteTable {
    static let all: [Route] = [
        // Databases
        Route("databases", "create", "DatabaseReqWithProperties", DatabaseRoutes.create),
        Route("databases", "drop", "DatabaseReqRequiredName", DatabaseRoutes.drop),
        Route("databases", "list", "EmptyReq", DatabaseRoutes.list),
        Route("databases", "describe", "DatabaseReqRequiredName", DatabaseRoutes.describe),
        Route("databases", "alter", "DatabaseReqWithProperties", DatabaseRoutes.alterProperties),
        Route("databases", "alter_properties", "DatabaseReqWithProperties", DatabaseRoutes.alterProperties),
        Route("databases", "drop_properties", "DropDatabasePropertiesReq", DatabaseRoutes.dropProperties),

        // Collections
        Route("collections", "create", "CollectionReq", CollectionRoutes.create),
        Route("collections", "describe", "CollectionNameReq", CollectionRoutes.describe),
        Route("collections", "list", "DatabaseReq", CollectionRoutes.list),
        Route("collections", "has", "CollectionNameReq", CollectionRoutes.has),
        Route("collections", "drop", "CollectionNameReq", CollectionRoutes.drop),
        Route("collections", "rename", "RenameCollectionReq", CollectionRoutes.rename),
        Route("collections", "load", "CollectionNameReq", CollectionRoutes.load),
        Route("collections", "release", "CollectionNameReq", CollectionRoutes.release),
        Route("collections", "refresh_load", "CollectionNameReq", CollectionRoutes.refreshLoad),
        Route("collections", "get_load_state", "CollectionNameReq", CollectionRoutes.loadState),
        Route("collections", "get_stats", "CollectionNameReq", CollectionRoutes.stats),
        Route("collections", "alter_properties", "CollectionReqWithProperties", CollectionRoutes.alterProperties),
        Route("collections", "drop_properties", "DropCollectionPropertiesReq", CollectionRoutes.dropProperties),
        Route("collections", "flush", "FlushReq", CollectionRoutes.flush),
        Route("collections", "compact", "CompactReq", CollectionRoutes.compact),
        Route("collections", "get_compaction_state", "GetCompactionStateReq", CollectionRoutes.compactionState),

        // Partitions
        Route("partitions", "list", "CollectionNameReq", PartitionRoutes.list),
        Route("partitions", "has", "PartitionReq", PartitionRoutes.has),
        Route("partitions", "create", "PartitionReq", PartitionRoutes.create),
        Route("partitions", "drop", "PartitionReq", PartitionRoutes.drop),
        Route("partitions", "load", "PartitionsReq", PartitionRoutes.load),
        Route("partitions", "release", "PartitionsReq", PartitionRoutes.release),
        Route("partitions", "get_stats", "PartitionReq", PartitionRoutes.stats),

        // Entities
        Route("entities", "insert", "CollectionDataReq", EntityRoutes.insert),
        Route("entities", "upsert", "CollectionDataReq", EntityRoutes.upsert),
        Route("entities", "delete", "CollectionFilterReq", EntityRoutes.delete),
        Route("entities", "get", "CollectionIDReq", EntityRoutes.get),
        Route("entities", "query", "QueryReqV2", EntityRoutes.query),
        Route("entities", "search", "SearchReqV2", SearchRoutes.search),
        Route("entities", "hybrid_search", "HybridSearchReq", SearchRoutes.hybridSearch),
        Route("entities", "advanced_search", "HybridSearchReq", SearchRoutes.hybridSearch),

        // Indexes
        Route("indexes", "create", "IndexParamReq", IndexRoutes.create),
        Route("indexes", "describe", "IndexReq", IndexRoutes.describe),
        Route("indexes", "list", "CollectionNameReq", IndexRoutes.list),
        Route("indexes", "drop", "IndexReq", IndexRoutes.drop),
        Route("indexes", "alter_properties", "IndexReqWithProperties", IndexRoutes.alterProperties),
        Route("indexes", "drop_properties", "DropIndexPropertiesReq", IndexRoutes.dropProperties),
    ]
}
