/// Every route the server answers, in one place, with the Milvus privilege it needs when authentication is
/// on. Handlers live in one file per route group (`Routes/*Routes.swift`).
///
/// Privileges follow Milvus 2.5's names and levels (`Privileges`); collection property changes, which Milvus
/// leaves unchecked, need `CreateCollection`, and index property changes `CreateIndex`.
enum RouteTable {
    static let all: [Route] = [
        // Databases
        Route("databases", "create", "DatabaseReqWithProperties", "CreateDatabase", DatabaseRoutes.create),
        Route("databases", "drop", "DatabaseReqRequiredName", "DropDatabase", DatabaseRoutes.drop),
        Route("databases", "list", "EmptyReq", "ListDatabases", DatabaseRoutes.list),
        Route("databases", "describe", "DatabaseReqRequiredName", "DescribeDatabase", DatabaseRoutes.describe),
        Route("databases", "alter", "DatabaseReqWithProperties", "AlterDatabase", DatabaseRoutes.alterProperties),
        Route("databases", "alter_properties", "DatabaseReqWithProperties", "AlterDatabase", DatabaseRoutes.alterProperties),
        Route("databases", "drop_properties", "DropDatabasePropertiesReq", "AlterDatabase", DatabaseRoutes.dropProperties),

        // Collections
        Route("collections", "create", "CollectionReq", "CreateCollection", CollectionRoutes.create),
        Route("collections", "describe", "CollectionNameReq", "DescribeCollection", CollectionRoutes.describe),
        Route("collections", "list", "DatabaseReq", "ShowCollections", CollectionRoutes.list),
        Route("collections", "has", "CollectionNameReq", "DescribeCollection", CollectionRoutes.has),
        Route("collections", "drop", "CollectionNameReq", "DropCollection", CollectionRoutes.drop),
        Route("collections", "rename", "RenameCollectionReq", "RenameCollection", CollectionRoutes.rename),
        Route("collections", "load", "CollectionNameReq", "Load", CollectionRoutes.load),
        Route("collections", "release", "CollectionNameReq", "Release", CollectionRoutes.release),
        Route("collections", "refresh_load", "CollectionNameReq", "Load", CollectionRoutes.refreshLoad),
        Route("collections", "get_load_state", "CollectionNameReq", "GetLoadState", CollectionRoutes.loadState),
        Route("collections", "get_stats", "CollectionNameReq", "GetStatistics", CollectionRoutes.stats),
        Route("collections", "alter_properties", "CollectionReqWithProperties", "CreateCollection", CollectionRoutes.alterProperties),
        Route("collections", "drop_properties", "DropCollectionPropertiesReq", "CreateCollection", CollectionRoutes.dropProperties),
        Route("collections", "flush", "FlushReq", "Flush", CollectionRoutes.flush),
        Route("collections", "compact", "CompactReq", "Compaction", CollectionRoutes.compact),
        Route("collections", "get_compaction_state", "GetCompactionStateReq", "Compaction", CollectionRoutes.compactionState),

        // Partitions
        Route("partitions", "list", "CollectionNameReq", "ShowPartitions", PartitionRoutes.list),
        Route("partitions", "has", "PartitionReq", "HasPartition", PartitionRoutes.has),
        Route("partitions", "create", "PartitionReq", "CreatePartition", PartitionRoutes.create),
        Route("partitions", "drop", "PartitionReq", "DropPartition", PartitionRoutes.drop),
        Route("partitions", "load", "PartitionsReq", "Load", PartitionRoutes.load),
        Route("partitions", "release", "PartitionsReq", "Release", PartitionRoutes.release),
        Route("partitions", "get_stats", "PartitionReq", "GetStatistics", PartitionRoutes.stats),

        // Entities
        Route("entities", "insert", "CollectionDataReq", "Insert", EntityRoutes.insert),
        Route("entities", "upsert", "CollectionDataReq", "Upsert", EntityRoutes.upsert),
        Route("entities", "delete", "CollectionFilterReq", "Delete", EntityRoutes.delete),
        Route("entities", "get", "CollectionIDReq", "Query", EntityRoutes.get),
        Route("entities", "query", "QueryReqV2", "Query", EntityRoutes.query),
        Route("entities", "search", "SearchReqV2", "Search", SearchRoutes.search),
        Route("entities", "hybrid_search", "HybridSearchReq", "Search", SearchRoutes.hybridSearch),
        Route("entities", "advanced_search", "HybridSearchReq", "Search", SearchRoutes.hybridSearch),

        // Indexes
        Route("indexes", "create", "IndexParamReq", "CreateIndex", IndexRoutes.create),
        Route("indexes", "describe", "IndexReq", "IndexDetail", IndexRoutes.describe),
        Route("indexes", "list", "CollectionNameReq", "IndexDetail", IndexRoutes.list),
        Route("indexes", "drop", "IndexReq", "DropIndex", IndexRoutes.drop),
        Route("indexes", "alter_properties", "IndexReqWithProperties", "CreateIndex", IndexRoutes.alterProperties),
        Route("indexes", "drop_properties", "DropIndexPropertiesReq", "CreateIndex", IndexRoutes.dropProperties),
        // Aliases
        Route("aliases", "create", "AliasCollectionReq", "CreateAlias", AliasRoutes.create),
        Route("aliases", "alter", "AliasCollectionReq", "CreateAlias", AliasRoutes.alter),
        Route("aliases", "describe", "AliasReq", "DescribeAlias", AliasRoutes.describe),
        Route("aliases", "list", "OptionalCollectionNameReq", "ListAliases", AliasRoutes.list),
        Route("aliases", "drop", "AliasReq", "DropAlias", AliasRoutes.drop),

        // Users (a user may describe itself and change its own password without a privilege)
        Route("users", "list", "DatabaseReq", "SelectUser", UserRoutes.list),
        Route("users", "describe", "UserReq", "SelectUser", UserRoutes.describe, selfService: true),
        Route("users", "create", "PasswordReq", "CreateOwnership", UserRoutes.create),
        Route("users", "update_password", "NewPasswordReq", "UpdateUser", UserRoutes.updatePassword, selfService: true),
        Route("users", "drop", "UserReq", "DropOwnership", UserRoutes.drop),
        Route("users", "grant_role", "UserRoleReq", "ManageOwnership", UserRoutes.grantRole),
        Route("users", "revoke_role", "UserRoleReq", "ManageOwnership", UserRoutes.revokeRole),

        // Roles
        Route("roles", "list", "DatabaseReq", "SelectOwnership", RoleRoutes.list),
        Route("roles", "describe", "RoleReq", "SelectOwnership", RoleRoutes.describe),
        Route("roles", "create", "RoleReq", "CreateOwnership", RoleRoutes.create),
        Route("roles", "drop", "RoleReq", "DropOwnership", RoleRoutes.drop),
        Route("roles", "grant_privilege", "GrantReq", "ManageOwnership", RoleRoutes.grantPrivilege),
        Route("roles", "revoke_privilege", "GrantReq", "ManageOwnership", RoleRoutes.revokePrivilege),
        Route("roles", "grant_privilege_v2", "GrantV2Req", "ManageOwnership", RoleRoutes.grantPrivilegeV2),
        Route("roles", "revoke_privilege_v2", "GrantV2Req", "ManageOwnership", RoleRoutes.revokePrivilegeV2),

        // Privilege groups
        Route("privilege_groups", "create", "PrivilegeGroupReq", "CreatePrivilegeGroup", PrivilegeGroupRoutes.create),
        Route("privilege_groups", "drop", "PrivilegeGroupReq", "DropPrivilegeGroup", PrivilegeGroupRoutes.drop),
        Route("privilege_groups", "list", "DatabaseReq", "ListPrivilegeGroups", PrivilegeGroupRoutes.list),
        Route("privilege_groups", "add_privileges_to_group", "PrivilegeGroupReq", "OperatePrivilegeGroup", PrivilegeGroupRoutes.addPrivileges),
        Route("privilege_groups", "remove_privileges_from_group", "PrivilegeGroupReq", "OperatePrivilegeGroup", PrivilegeGroupRoutes.removePrivileges),
    ]
}
