import API
import ArgumentParser
import Engine
import Glibc
import HTTP
import Logging

/// Start-up and shutdown: open the engine, serve, and on SIGTERM/SIGINT stop accepting, drain in-flight
/// requests, close LMDB. A second signal ends the process at once (LMDB keeps committed data safe).
struct ServerLifecycle {
    let configuration: ServerConfiguration
    /// How long in-flight requests get to finish after a shutdown signal.
    static let drainTimeout = 30.0

    func run() throws {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swiftvec")

        // Block the shutdown signals before any thread starts, so that every thread inherits the mask and
        // only `sigwait` below receives them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        // Past a file-size limit, writes then fail with EFBIG (reported as disk full) instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        Self.boundHeapRetention()

        let engine: Engine
        do {
            engine = try Engine(dataDirectory: configuration.dataDir, mapSize: configuration.mapSize, durable: configuration.sync,
                                indexThreads: configuration.indexThreads, segmentRows: configuration.segmentRows,
                                logger: Logger(label: "swiftvec.engine"))
        } catch {
            logger.critical("cannot open data directory", metadata: ["dir": "\(configuration.dataDir)", "error": "\(error.message)"])
            throw ExitCode(2)
        }
        let server: HTTPServer
        do {
            server = try HTTPServer(
                configuration: .init(host: configuration.host, port: configuration.port, threads: configuration.threads,
                                     maxBodySize: configuration.maxBodySize, defaultHeaders: APIServer.defaultHeaders),
                handler: APIServer(engine: engine, logger: Logger(label: "swiftvec.api"),
                                   options: APIOptions(legacyArrayResponse: configuration.legacyArrayResponse,
                                                       nativeJSONResponse: configuration.nativeJSONResponse,
                                                       authEnabled: configuration.authEnabled)))
            try server.start()
        } catch {
            logger.critical("cannot start HTTP server", metadata: ["error": "\(error)"])
            engine.close()
            throw ExitCode(2)
        }
        logger.info("serving", metadata: ["version": "\(SwiftvecCommand.version)", "data-dir": "\(configuration.dataDir)",
                                          "threads": "\(configuration.threads)", "sync": "\(configuration.sync)"])
        if !configuration.sync {
            logger.warning("--sync false: commits are not synced; a power loss may drop acknowledged writes")
        }
        // Tests and scripts read this line to learn the port.
        print("swiftvec listening on http://\(configuration.host):\(server.port)")
        fflush(nil)

        var received: Int32 = 0
        sigwait(&signals, &received)
        // From now on a second signal takes the default action: immediate exit.
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)

        logger.info("shutting down", metadata: ["signal": "\(received)", "in-flight": "\(server.inFlight)"])
        server.shutdown(drainTimeout: Self.drainTimeout)
        engine.close()
        logger.info("stopped")
    }

    /// Fixes glibc's allocation thresholds. By default they adapt upwards (up to 32 MiB for mapping a block
    /// of its own, twice that for handing free heap back) after large blocks are freed, so that the buffers
    /// of large insert requests and the copies freed once an index holds the vectors stayed resident. Blocks
    /// of 4 MiB and more are mapped and unmapped on their own; more than 8 MiB free at the top of a heap goes
    /// back. Lower values cost bulk inserts page faults on every request.
    static func boundHeapRetention() {
        _ = mallopt(mallocMmapThreshold, 4 << 20)
        _ = mallopt(mallocTrimThreshold, 8 << 20)
    }
}

// From glibc's malloc.h, which the Glibc module does not export.
private let mallocTrimThreshold: Int32 = -1
private let mallocMmapThreshold: Int32 = -3
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
