import CMicroHTTPD
import Glibc
import Synchronization

/// An HTTP/1.1 server on libmicrohttpd: worker threads each running one daemon over epoll, keep-alive,
/// request bodies accumulated up to a size cap, handlers called synchronously on the worker threads.
///
/// One thread accepts connections and hands each to the worker holding the fewest. A libmicrohttpd thread
/// pool lets whichever worker wakes first accept, so two keep-alive clients often shared one worker and
/// got one core between them (half the queries/s under load, at random).
///
/// Locking: the configuration and handler are immutable; `activeRequests` is atomic; `openConnections` is
/// behind its mutex; `workers`, `acceptThread` and `listenFD` are written only by `start` and `shutdown`,
/// which the owner calls from one thread, before and after the accept thread runs. Hence
/// `@unchecked Sendable`.
public final class HTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (see `port` after `init`).
        public var port: Int
        public var threads: Int
        public var maxBodySize: Int
        /// Seconds an idle keep-alive connection stays open.
        public var connectionTimeout: Int
        /// Headers added to every response (CORS, ...).
        public var defaultHeaders: [(String, String)]

        public init(host: String, port: Int, threads: Int, maxBodySize: Int, connectionTimeout: Int = 300,
                    defaultHeaders: [(String, String)] = []) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maxBodySize = maxBodySize
            self.connectionTimeout = connectionTimeout
            self.defaultHeaders = defaultHeaders
        }
    }

    public let configuration: Configuration
    let handler: any HTTPHandler
    private var listenFD: Int32
    /// One daemon per worker thread, and the context its connection callback receives.
    private var workers: [(daemon: OpaquePointer, slot: WorkerSlot)] = []
    /// Connections each worker holds: counted up when handed over, down when libmicrohttpd closes them.
    private let openConnections: Mutex<[Int]>
    /// A pipe whose write end wakes the accept thread to stop it.
    private var wakePipe: [Int32] = [-1, -1]
    private var acceptThread: pthread_t?
    /// The bound port (useful when the configuration asked for port 0).
    public let port: Int
    /// Requests between their first byte and the end of their response.
    let activeRequests = Atomic<Int>(0)
    /// `configuration.defaultHeaders` as C strings, converted once rather than on every response.
    private let defaultHeaderCStrings: [(name: ContiguousArray<CChar>, value: ContiguousArray<CChar>)]

    /// Binds the listening socket. Serving starts with `start()`.
    public init(configuration: Configuration, handler: any HTTPHandler) throws(HTTPServerError) {
        self.configuration = configuration
        self.handler = handler
        defaultHeaderCStrings = configuration.defaultHeaders.map { ($0.0.utf8CString, $0.1.utf8CString) }
        (listenFD, port) = try Self.bind(host: configuration.host, port: configuration.port)
        openConnections = Mutex([Int](repeating: 0, count: max(1, configuration.threads)))
        if pipe(&wakePipe) == 0 { for fd in wakePipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
    }

    deinit {
        stopAccepting()
        for worker in workers { MHD_stop_daemon(worker.daemon) }
        for fd in wakePipe where fd >= 0 { close(fd) }
    }

    /// Starts the worker threads and the accept thread. Call `shutdown` before letting the server go: the
    /// accept thread holds it until then.
    public func start() throws(HTTPServerError) {
        guard wakePipe[0] >= 0 else { throw HTTPServerError(message: "pipe: \(String(cString: strerror(errno)))") }
        let flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_USE_ITC.rawValue
            | MHD_USE_ERROR_LOG.rawValue | MHD_USE_NO_LISTEN_SOCKET.rawValue
        let this = Unmanaged.passUnretained(self).toOpaque()
        for index in 0..<max(1, configuration.threads) {
            let slot = WorkerSlot(server: self, index: index)
            guard let daemon = swiftvec_mhd_start(
                flags, UInt32(Self.maxConnections), UInt32(configuration.connectionTimeout), swiftvecAccessHandler, this,
                swiftvecRequestCompleted, this, swiftvecConnectionNotified, Unmanaged.passUnretained(slot).toOpaque())
            else {
                throw HTTPServerError(message: "libmicrohttpd failed to start")
            }
            workers.append((daemon, slot))
        }
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { arg in
            Unmanaged<HTTPServer>.fromOpaque(arg!).takeUnretainedValue().acceptLoop()
            return nil
        }, this)
        guard created == 0 else { throw HTTPServerError(message: "cannot start the accept thread") }
        acceptThread = thread
    }

    /// Stops accepting connections, waits up to `drainTimeout` seconds for in-flight requests to be
    /// answered, then stops the workers and closes every connection.
    public func shutdown(drainTimeout: Double) {
        stopAccepting()
        let deadline = Self.now() + drainTimeout
        while activeRequests.load(ordering: .acquiring) > 0 && Self.now() < deadline {
            usleep(5_000)
        }
        for worker in workers { MHD_stop_daemon(worker.daemon) }
        workers = []
    }

    /// Open connections past which new ones are closed at once: libmicrohttpd's own default for the
    /// whole pool, under each daemon's limit, so that libmicrohttpd never refuses one itself.
    static let maxConnections = Int(FD_SETSIZE) - 4

    /// Ends the accept thread and closes the listening socket.
    private func stopAccepting() {
        if let thread = acceptThread {
            var one: UInt8 = 1
            _ = write(wakePipe[1], &one, 1)
            pthread_join(thread, nil)
            acceptThread = nil
        }
        if listenFD >= 0 { close(listenFD) }
        listenFD = -1
    }

    /// Accepts connections until woken through `wakePipe`, handing each to the worker holding the fewest
    /// (the first such after the last one chosen, so that ties rotate).
    private func acceptLoop() {
        var polled = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                      pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)]
        var last = -1
        while true {
            if poll(&polled, 2, -1) < 0 {
                // EINTR: poll again. Anything else (ENOMEM) is waited out rather than ending the accepting.
                if errno != EINTR { usleep(10_000) }
                continue
            }
            if polled[1].revents != 0 { return }
            guard polled[0].revents != 0 else { continue }
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listenFD, $0, &length)
                }
            }
            guard fd >= 0 else {
                // Out of descriptors: let connections close rather than spin on the pending one.
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { usleep(10_000) }
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let chosen: Int? = openConnections.withLock { open in
                // The cap is kept here: a connection libmicrohttpd refused after queueing it would never be
                // reported closed, and its worker would stay counted one too high.
                guard open.reduce(0, +) < Self.maxConnections else { return nil }
                var best = (last + 1) % open.count
                for step in 1..<max(open.count, 1) {
                    let i = (last + 1 + step) % open.count
                    if open[i] < open[best] { best = i }
                }
                open[best] += 1
                return best
            }
            guard let chosen else {
                close(fd)
                continue
            }
            last = chosen
            // libmicrohttpd owns the socket from here, and closes it if it cannot take it.
            let added = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    MHD_add_connection(workers[chosen].daemon, fd, $0, length)
                }
            }
            if added != MHD_Result.YES { connectionClosed(worker: chosen) }
        }
    }

    /// Counts a connection of `worker` as closed.
    func connectionClosed(worker: Int) {
        openConnections.withLock { $0[worker] = max(0, $0[worker] - 1) }
    }

    /// The number of requests being processed right now.
    public var inFlight: Int { activeRequests.load(ordering: .relaxed) }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func bind(host: String, port: Int) throws(HTTPServerError) -> (Int32, Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var info: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &info)
        guard rc == 0, let first = info else {
            throw HTTPServerError(message: "cannot resolve host \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError(message: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw HTTPServerError(message: "cannot listen on \(host):\(port): \(message)")
        }
        guard listen(fd, 1024) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw HTTPServerError(message: "listen: \(message)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0 else { return (fd, port) }
        let family = Int32(storage.ss_family)
        let actualPort: UInt16 = withUnsafePointer(to: &storage) { p in
            if family == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, Int(actualPort))
    }

    /// Sends `response` on `connection`, adding the default headers.
    func queue(_ response: HTTPResponse, on connection: OpaquePointer?) -> MHD_Result {
        let mhdResponse = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                            MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
        }
        guard let mhdResponse else { return MHD_Result.NO }
        defer { MHD_destroy_response(mhdResponse) }
        if let contentType = response.contentType {
            MHD_add_response_header(mhdResponse, "Content-Type", contentType)
        }
        for header in defaultHeaderCStrings {
            header.name.withUnsafeBufferPointer { name in
                header.value.withUnsafeBufferPointer { value in
                    _ = MHD_add_response_header(mhdResponse, name.baseAddress, value.baseAddress)
                }
            }
        }
        for (name, value) in response.headers { MHD_add_response_header(mhdResponse, name, value) }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }
}

/// An error starting the server (bad host, port in use, ...).
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What the connection callback of one worker's daemon is given: the server and the worker's number.
final class WorkerSlot {
    /// Not counted: the server outlives its daemons, whose callbacks alone read this (and `deinit` stops
    /// them while the server is being deinitialised, where a checked unowned reference would trap).
    unowned(unsafe) let server: HTTPServer
    let index: Int

    init(server: HTTPServer, index: Int) {
        self.server = server
        self.index = index
    }
}

/// Per-request state kept in libmicrohttpd's `con_cls` between callbacks.
final class RequestState {
    var body: [UInt8] = []
    var tooLarge = false
    var answered = false
}

// libmicrohttpd's callbacks. They are plain functions outside main.swift: closures in top-level code would be
// inferred @MainActor and trap when a worker thread calls them.

func swiftvecAccessHandler(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?, _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    let server = Unmanaged<HTTPServer>.fromOpaque(cls!).takeUnretainedValue()
    guard let conCls, let connection else { return MHD_Result.NO }
    let maxBody = server.configuration.maxBodySize
    guard let stored = conCls.pointee else {
        // First call: only the headers are known.
        let state = RequestState()
        conCls.pointee = Unmanaged.passRetained(state).toOpaque()
        server.activeRequests.add(1, ordering: .relaxed)
        if let length = MHD_lookup_connection_value(connection, MHD_ValueKind.HEADER_KIND, "Content-Length"),
           let declared = Int(String(cString: length))
        {
            if declared > maxBody {
                // Refuse before reading the body; libmicrohttpd closes the connection afterwards.
                state.answered = true
                return server.queue(server.handler.payloadTooLarge(limit: maxBody), on: connection)
            }
            state.body.reserveCapacity(declared)
        }
        return MHD_Result.YES
    }
    let state = Unmanaged<RequestState>.fromOpaque(stored).takeUnretainedValue()
    if let uploadDataSize, uploadDataSize.pointee > 0 {
        let n = uploadDataSize.pointee
        if !state.tooLarge && !state.answered {
            if state.body.count + n > maxBody {
                state.tooLarge = true
                state.body = []
            } else {
                uploadData!.withMemoryRebound(to: UInt8.self, capacity: n) {
                    state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
                }
            }
        }
        uploadDataSize.pointee = 0
        return MHD_Result.YES
    }
    if state.answered { return MHD_Result.YES }
    state.answered = true
    if state.tooLarge { return server.queue(server.handler.payloadTooLarge(limit: maxBody), on: connection) }
    // The query string is cut on the UTF-8 bytes: a search over the String's characters cost about
    // 10,000 instructions a request (callgrind).
    var path = String(cString: url!)
    if let q = path.utf8.firstIndex(of: UInt8(ascii: "?")) { path = String(path[..<q]) }
    let request = HTTPRequest(method: String(cString: method!), path: path, body: state.body, connection: connection)
    state.body = []
    return server.queue(server.handler.handle(request), on: connection)
}

func swiftvecRequestCompleted(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
    _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ code: MHD_RequestTerminationCode
) {
    guard let cls, let conCls, let stored = conCls.pointee else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    Unmanaged<RequestState>.fromOpaque(stored).release()
    conCls.pointee = nil
    server.activeRequests.subtract(1, ordering: .releasing)
}

func swiftvecConnectionNotified(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ code: MHD_ConnectionNotificationCode
) {
    guard let cls, code == .CONNECTION_NOTIFY_CLOSED else { return }
    let slot = Unmanaged<WorkerSlot>.fromOpaque(cls).takeUnretainedValue()
    slot.server.connectionClosed(worker: slot.index)
}
