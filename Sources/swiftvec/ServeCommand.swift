import API
import ArgumentParser
import Engine
import Glibc
import HTTP
import Logging

/// `swiftvec serve`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the server.",
        discussion: "Every option can also be set through the environment variable named after it (SWIFTVEC_PORT, ...); the command line wins."
    )

    @Option(help: "Address to listen on (SWIFTVEC_HOST). Default: 127.0.0.1")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (SWIFTVEC_PORT). Default: 19530")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (SWIFTVEC_DATA_DIR). Default: ./data")
    var dataDir: String?

    @Option(help: "HTTP worker threads (SWIFTVEC_THREADS). Default: the number of CPUs")
    var threads: Int?

    @Option(name: .customLong("log-level"),
            help: "trace, debug, info, notice, warning, error or critical (SWIFTVEC_LOG_LEVEL). Default: info")
    var logLevel: String?

    @Option(name: .customLong("max-body-size"),
            help: "Largest request body, in bytes or with a K/M/G suffix (SWIFTVEC_MAX_BODY_SIZE). Default: 64M")
    var maxBodySize: String?

    @Option(name: .customLong("map-size"),
            help: "Initial LMDB map size; it grows when full (SWIFTVEC_MAP_SIZE). Default: 1G")
    var mapSize: String?

    @Option(help: "true: every acknowledged write is synced to disk first; false: commits are not synced, which is faster but a power loss may drop acknowledged writes (a process crash does not) (SWIFTVEC_SYNC). Default: true")
    var sync: String?

    @Option(name: .customLong("legacy-array-response"),
            help: "true: Array fields in Milvus 2.x's wrapper shape {\"Data\":{...}} (SWIFTVEC_LEGACY_ARRAY_RESPONSE). Default: false")
    var legacyArrayResponse: String?

    @Option(name: .customLong("native-json-response"),
            help: "false: JSON fields as strings of JSON text, as Milvus 2.x (SWIFTVEC_NATIVE_JSON_RESPONSE). Default: true")
    var nativeJSONResponse: String?

    @Option(name: .customLong("index-threads"), help: "Background index-builder threads (SWIFTVEC_INDEX_THREADS). Default: the number of CPUs")
    var indexThreads: Int?

    @Option(name: .customLong("segment-rows"),
            help: "Rows a growing segment holds before it is sealed and indexed (SWIFTVEC_SEGMENT_ROWS). Default: 100000")
    var segmentRows: Int?

    @Flag(help: "Require a user's credential (Authorization: Bearer user:password, or Basic) and that user's privileges on every API route (SWIFTVEC_AUTH=true). The first user is root, password Milvus.")
    var auth = false

    func run() throws {
        let config = try ServerConfiguration(
            host: host, port: port, dataDir: dataDir, threads: threads, logLevel: logLevel, maxBodySize: maxBodySize,
            mapSize: mapSize, sync: sync, legacyArrayResponse: legacyArrayResponse, nativeJSONResponse: nativeJSONResponse,
            indexThreads: indexThreads, segmentRows: segmentRows, auth: auth,
            environment: ServerConfiguration.processEnvironment())
        try ServerLifecycle(configuration: config).run()
    }
}
