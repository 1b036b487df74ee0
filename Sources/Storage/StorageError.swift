/// Failures of the storage layer. The engine turns them into API errors.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The map could not grow any further (address space or `--map-size` ceiling).
    case mapFull(mapSize: Int)
    /// The disk (or the file-size limit) refused the write: ENOSPC, EDQUOT or EFBIG.
    case diskFull(String)
    /// The data directory is used by another running server.
    case locked(path: String)
    /// A record could not be decoded: the data directory is damaged or was written by a newer version.
    case corrupted(String)
    /// Any other LMDB or system error.
    case failure(operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .mapFull(let size): return "storage map is full at \(size) bytes and cannot grow"
        case .diskFull(let m): return "disk full: \(m)"
        case .locked(let path): return "data directory \(path) is in use by another swiftvec process"
        case .corrupted(let m): return "corrupted record: \(m)"
        case .failure(let op, let code, let m): return "\(op) failed (\(code)): \(m)"
        }
    }
}
