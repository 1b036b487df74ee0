/// The Milvus error codes Swiftvec reports (Milvus's `merr` codes and REST codes).
public enum ErrorCode: Int, Sendable, CaseIterable {
    case success = 0
    case serviceInternal = 5
    case quotaExceeded = 9
    case collectionNotFound = 100
    case collectionNotLoaded = 101
    case collectionLimitExceeded = 102
    case partitionNotFound = 200
    case partitionNotLoaded = 201
    case indexNotFound = 700
    case databaseNotFound = 800
    case databaseLimitExceeded = 801
    case invalidDatabaseName = 802
    case invalidParameter = 1100
    case parameterTooLarge = 1102
    case privilegeNotAuthenticated = 1400
    case privilegeNotPermitted = 1401
    case aliasNotFound = 1600
    case aliasCollectionConflict = 1601
    case aliasAlreadyExists = 1602
    case fieldNotFound = 1700
    case notAuthenticated = 1800
    case invalidJSON = 1801
    case missingRequiredParameter = 1802
    case invalidInsertData = 1804
    case invalidSearchResult = 1805
    case invalidPrimaryKey = 1806
    case timeout = 10001
    case unexpected = 65535
}

/// The one error type that reaches clients: a Milvus code and a message that names the problem.
/// The API layer maps the code to an HTTP status; the engine knows nothing of HTTP.
public struct SwiftvecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "[\(code.rawValue)] \(message)" }

    public static func invalidParameter(_ detail: String) -> SwiftvecError {
        SwiftvecError(.invalidParameter, "\(detail): invalid parameter")
    }
    public static func collectionNotFound(database: String, name: String) -> SwiftvecError {
        SwiftvecError(.collectionNotFound, "collection not found[database=\(database)][collection=\(name)]")
    }
    public static func databaseNotFound(_ name: String) -> SwiftvecError {
        SwiftvecError(.databaseNotFound, "database not found[database=\(name)]")
    }
    public static func partitionNotFound(_ name: String) -> SwiftvecError {
        SwiftvecError(.partitionNotFound, "partition not found[partition=\(name)]")
    }
    public static func indexNotFound(_ name: String) -> SwiftvecError {
        SwiftvecError(.indexNotFound, "index not found[indexName=\(name)]")
    }
    public static func unexpected(_ message: String) -> SwiftvecError {
        SwiftvecError(.unexpected, message)
    }
}
