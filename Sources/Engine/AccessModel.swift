/// A user of the server. The password is kept only as a slow salted hash (see `PasswordHash`).
public struct UserInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var passwordHash: String
    /// Granted roles, in grant order (`public` is implied for everyone and not listed).
    public var roles: [String]
    public var createdAt: Int64

    public static let rootName = "root"
    public static let rootDefaultPassword = "Milvus"
}

/// One privilege granted to a role on an object, as Milvus lists it in `roles/describe`.
public struct PrivilegeGrant: Sendable, Equatable {
    /// `Global`, `Collection` or `User`.
    public var objectType: String
    /// A collection name (or `*`) for `Collection`; `*` otherwise.
    public var objectName: String
    /// A database name or `*`.
    public var dbName: String
    /// A privilege name (`Search`), a privilege group, or `*`/`All`.
    public var privilege: String
    public var grantor: String
}

/// A role and the privileges granted to it.
public struct RoleInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var grants: [PrivilegeGrant]

    public static let adminName = "admin"
    public static let publicName = "public"
}

/// A named set of privileges that can be granted as one.
public struct PrivilegeGroupInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var privileges: [String]
}

/// The scope a privilege applies to (Milvus 2.5's levels).
public enum PrivilegeLevel: Sendable {
    case cluster
    case database
    case collection
}

/// Milvus's privilege names, their levels and its built-in privilege groups.
public enum Privileges {
    public static let collectionReadOnly = [
        "Query", "Search", "IndexDetail", "GetFlushState", "GetLoadState", "GetLoadingProgress", "HasPartition",
        "ShowPartitions", "DescribeCollection", "DescribeAlias", "GetStatistics", "ListAliases",
    ]
    public static let collectionReadWrite = collectionReadOnly + [
        "Load", "Release", "Insert", "Delete", "Upsert", "Import", "Flush", "Compaction", "LoadBalance", "CreateIndex",
        "DropIndex", "CreatePartition", "DropPartition",
    ]
    public static let collectionAdmin = collectionReadWrite + ["CreateAlias", "DropAlias"]
    public static let databaseReadOnly = ["ShowCollections", "DescribeDatabase"]
    public static let databaseReadWrite = databaseReadOnly + ["AlterDatabase"]
    public static let databaseAdmin = databaseReadWrite + ["CreateCollection", "DropCollection"]
    public static let clusterReadOnly = [
        "ListDatabases", "SelectOwnership", "SelectUser", "DescribeResourceGroup", "ListResourceGroups",
        "ListPrivilegeGroups",
    ]
    public static let clusterReadWrite = clusterReadOnly + ["FlushAll", "TransferNode", "TransferReplica", "UpdateResourceGroups"]
    public static let clusterAdmin = clusterReadWrite + [
        "BackupRBAC", "RestoreRBAC", "CreateDatabase", "DropDatabase", "CreateOwnership", "DropOwnership",
        "ManageOwnership", "CreateResourceGroup", "DropResourceGroup", "UpdateUser", "RenameCollection",
        "CreatePrivilegeGroup", "DropPrivilegeGroup", "OperatePrivilegeGroup",
    ]

    /// The built-in groups, by name, with the level their privileges apply at.
    public static let builtInGroups: [(name: String, level: PrivilegeLevel, privileges: [String])] = [
        ("ClusterReadOnly", .cluster, clusterReadOnly), ("ClusterReadWrite", .cluster, clusterReadWrite),
        ("ClusterAdmin", .cluster, clusterAdmin),
        ("DatabaseReadOnly", .database, databaseReadOnly), ("DatabaseReadWrite", .database, databaseReadWrite),
        ("DatabaseAdmin", .database, databaseAdmin),
        ("CollectionReadOnly", .collection, collectionReadOnly), ("CollectionReadWrite", .collection, collectionReadWrite),
        ("CollectionAdmin", .collection, collectionAdmin),
    ]

    /// Every single privilege name, with its level.
    public static let levels: [String: PrivilegeLevel] = {
        var levels: [String: PrivilegeLevel] = [:]
        for p in clusterAdmin { levels[p] = .cluster }
        for p in databaseAdmin { levels[p] = .database }
        for p in collectionAdmin { levels[p] = .collection }
        return levels
    }()

    /// Grants of the wildcard privilege: every privilege in the grant's scope.
    public static func isWildcard(_ name: String) -> Bool { name == "*" || name == "All" }

    public static func builtInGroup(_ name: String) -> (level: PrivilegeLevel, privileges: [String])? {
        builtInGroups.first { $0.name == name }.map { ($0.level, $0.privileges) }
    }

    /// What the `public` role holds on a new data directory, as Milvus grants it by default.
    static let publicDefaults: [PrivilegeGrant] = [
        PrivilegeGrant(objectType: "Collection", objectName: "*", dbName: "*", privilege: "DescribeCollection", grantor: UserInfo.rootName),
        PrivilegeGrant(objectType: "Global", objectName: "*", dbName: "*", privilege: "ShowCollections", grantor: UserInfo.rootName),
        PrivilegeGrant(objectType: "Collection", objectName: "*", dbName: "*", privilege: "IndexDetail", grantor: UserInfo.rootName),
    ]
}
