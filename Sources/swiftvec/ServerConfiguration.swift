import ArgumentParser
import Glibc
import Logging

/// The server's settings: command line, else environment (`SWIFTVEC_*`), else the built-in default.
struct ServerConfiguration {
    var host: String
    var port: Int
    var dataDir: String
    var threads: Int
    var logLevel: Logger.Level
    var maxBodySize: Int
    var mapSize: Int
    var sync: Bool
    var legacyArrayResponse: Bool
    var nativeJSONResponse: Bool
    var indexThreads: Int
    var segmentRows: Int
    var authEnabled: Bool

    init(host: String?, port: Int?, dataDir: String?, threads: Int?, logLevel: String?, maxBodySize: String?,
         mapSize: String?, sync: String?, legacyArrayResponse: String?, nativeJSONResponse: String?,
         indexThreads: Int?, segmentRows: Int?, auth: Bool = false, environment: [String: String]) throws {
        func pick(_ cli: String?, _ name: String) -> String? { cli ?? environment["SWIFTVEC_\(name)"] }
        self.host = pick(host, "HOST") ?? "127.0.0.1"
        self.port = try Self.integer(pick(port.map(String.init), "PORT") ?? "19530", name: "port", range: 0...65_535)
        self.dataDir = pick(dataDir, "DATA_DIR") ?? "./data"
        self.threads = try Self.integer(pick(threads.map(String.init), "THREADS") ?? String(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                                        name: "threads", range: 1...1024)
        let level = pick(logLevel, "LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw ValidationError("invalid log level \(level): expected trace, debug, info, notice, warning, error or critical")
        }
        self.logLevel = parsed
        self.maxBodySize = try Self.size(pick(maxBodySize, "MAX_BODY_SIZE") ?? "64M", name: "max-body-size")
        self.mapSize = try Self.size(pick(mapSize, "MAP_SIZE") ?? "1G", name: "map-size")
        self.sync = try Self.bool(pick(sync, "SYNC") ?? "true", name: "sync")
        self.legacyArrayResponse = try Self.bool(pick(legacyArrayResponse, "LEGACY_ARRAY_RESPONSE") ?? "false", name: "legacy-array-response")
        let cpus = String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        self.indexThreads = try Self.integer(pick(indexThreads.map(String.init), "INDEX_THREADS") ?? cpus, name: "index-threads", range: 1...256)
        self.segmentRows = try Self.integer(pick(segmentRows.map(String.init), "SEGMENT_ROWS") ?? "100000", name: "segment-rows",
                                            range: 1...100_000_000)
        self.nativeJSONResponse = try Self.bool(pick(nativeJSONResponse, "NATIVE_JSON_RESPONSE") ?? "true", name: "native-json-response")
        self.authEnabled = try auth || Self.bool(environment["SWIFTVEC_AUTH"] ?? "false", name: "SWIFTVEC_AUTH")
    }

    static func bool(_ text: String, name: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ValidationError("invalid \(name) \(text): expected true or false")
        }
    }

    static func integer(_ text: String, name: String, range: ClosedRange<Int>) throws -> Int {
        guard let v = Int(text), range.contains(v) else {
            throw ValidationError("invalid \(name) \(text): expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// Parses `1048576`, `64K`, `64M`, `1G` (binary multiples).
    static func size(_ text: String, name: String) throws -> Int {
        var digits = text.uppercased()
        var multiplier = 1
        for (suffix, m) in [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)]
        where digits.hasSuffix(suffix) {
            digits.removeLast(suffix.count)
            multiplier = m
            break
        }
        guard let v = Int(digits), v > 0, v <= Int.max / multiplier else {
            throw ValidationError("invalid \(name) \(text): expected a positive size such as 1048576, 64K, 64M or 1G")
        }
        return v * multiplier
    }

    static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { result[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return result
    }
}
