import Engine

extension ErrorCode {
    /// The HTTP status of an error response. Milvus answers 200 for almost every failure and puts the code in
    /// the body; only authentication, permission, timeout and size limits change the status.
    var httpStatus: Int {
        switch self {
        case .notAuthenticated: 401
        case .privilegeNotPermitted: 403
        case .timeout: 408
        case .parameterTooLarge: 413
        case .success, .serviceInternal, .quotaExceeded, .collectionNotFound, .collectionNotLoaded,
             .collectionLimitExceeded, .partitionNotFound, .partitionNotLoaded, .indexNotFound, .databaseNotFound,
             .databaseLimitExceeded, .invalidDatabaseName, .invalidParameter, .invalidJSON, .fieldNotFound,
             .missingRequiredParameter, .invalidInsertData, .invalidSearchResult, .invalidPrimaryKey, .unexpected,
             .aliasNotFound, .aliasCollectionConflict, .aliasAlreadyExists, .privilegeNotAuthenticated:
            200
        }
    }
}
