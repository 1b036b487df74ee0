import Glibc
import JSON
import Testing

/// A running `swiftvec serve` process on an ephemeral port with its own temporary data directory.
/// The directory is removed when the object goes away; the process is killed if still running.
final class ServerProcess {
    let dataDir: String
    private(set) var pid: pid_t = 0
    private(set) var port: Int = 0
    private(set) var output: [UInt8] = []
    private var stdoutFD: Int32 = -1
    private let ownsDataDir: Bool
    let extraArguments: [String]
    /// A shell prefix run before exec (e.g. `ulimit -f 2000`).
    let shellPrefix: String?
    /// Extra environment variables for the process (the test process's own environment is shared by
    /// concurrently running tests, so it is never modified).
    let environment: [String: String]

    /// Starts a server. `dataDir` nil makes a new temporary directory.
    init(dataDir: String? = nil, arguments: [String] = [], shellPrefix: String? = nil,
         environment: [String: String] = [:]) throws {
        if let dataDir {
            self.dataDir = dataDir
            ownsDataDir = false
        } else {
            var template = Array("/tmp/swiftvec-test-XXXXXX".utf8CString)
            guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp failed") }
            self.dataDir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            ownsDataDir = true
        }
        extraArguments = arguments
        self.shellPrefix = shellPrefix
        self.environment = environment
        try start()
    }

    deinit {
        if pid > 0 { kill(pid, SIGKILL); waitExit() }
        if stdoutFD >= 0 { close(stdoutFD) }
        if ownsDataDir { _ = system("rm -rf '\(dataDir)'") }
    }

    static var binaryPath: String {
        if let path = getenv("SWIFTVEC_BINARY") { return String(cString: path) }
        // The test bundle sits next to the executable in .build/<triple>/debug/.
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = n > 0 ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : ""
        let dir = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return dir + "/swiftvec"
    }

    /// Starts (or restarts) the process on a new ephemeral port, keeping the data directory.
    func start() throws {
        precondition(pid == 0, "already running")
        let binary = Self.binaryPath
        guard access(binary, X_OK) == 0 else {
            throw TestFailure("swiftvec binary not found at \(binary): run `swift build` first or set SWIFTVEC_BINARY")
        }
        var args = [binary, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warning"] + extraArguments
        if let shellPrefix {
            args = ["/bin/sh", "-c", "\(shellPrefix); exec \"$0\" \"$@\""] + args
        }
        var pipeFDs: [Int32] = [0, 0]
        // Close-on-exec from the start (a socket pair, since Glibc's module has no pipe2), so that servers
        // other tests start meanwhile do not hold this one's output open; the child's stdout is a dup2,
        // which is not close-on-exec.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pipeFDs) == 0 else {
            throw TestFailure("socketpair failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        let cArgs = args.map { strdup($0) } + [nil]
        var env: [String] = []
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if !environment.keys.contains(where: { s.hasPrefix($0 + "=") }) { env.append(s) }
            p += 1
        }
        env += environment.map { "\($0.key)=\($0.value)" }
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, args[0], &actions, nil, cArgs, cEnv)
        posix_spawn_file_actions_destroy(&actions)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw TestFailure("posix_spawn failed: \(rc)")
        }
        pid = child
        if stdoutFD >= 0 { close(stdoutFD) }
        stdoutFD = pipeFDs[0]
        output = []
        port = try waitForPort()
    }

    private func waitForPort() throws -> Int {
        let marker = Array("listening on http://".utf8)
        let deadline = time(nil) + 60
        while time(nil) < deadline {
            var pfd = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(stdoutFD, &chunk, chunk.count)
                if n <= 0 { break }
                output += chunk[0..<n]
            }
            if let range = output.firstRange(of: marker) {
                let rest = output[range.upperBound...]
                if let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                    let hostPort = String(decoding: rest[..<newline], as: UTF8.self)
                    if let colon = hostPort.lastIndex(of: ":"), let p = Int(hostPort[hostPort.index(after: colon)...]) {
                        return p
                    }
                }
            }
        }
        let status = waitExit(blocking: false)
        throw TestFailure("server did not start (exit status \(String(describing: status))); stdout: \(String(decoding: output, as: UTF8.self))")
    }

    /// Sends `signal` (0: none, just wait) and waits for the process to end; returns its wait status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard pid > 0 else { return 0 }
        if signal != 0 { kill(pid, signal) }
        return waitExit() ?? 0
    }

    /// Stops with SIGTERM and starts again on the same data directory.
    func restart(signal: Int32 = SIGTERM) throws {
        stop(signal: signal)
        try start()
    }

    @discardableResult
    private func waitExit(blocking: Bool = true) -> Int32? {
        guard pid > 0 else { return nil }
        var status: Int32 = 0
        let r = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        if r == pid {
            pid = 0
            return status
        }
        return nil
    }

    var isRunning: Bool { pid > 0 && waitExit(blocking: false) == nil }

    /// User and system CPU seconds the server has used so far (from /proc).
    func cpuSeconds() -> Double {
        guard let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name; utime and stime are fields 14 and 15 of the whole line.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A new client for this server.
    func client() -> HTTPClient { HTTPClient(port: port) }

    /// POSTs `body` to `/v2/vectordb/<route>` and returns the parsed JSON response.
    @discardableResult
    func call(_ route: String, _ body: String, headers: [(String, String)] = []) throws -> JSONValue {
        try client().call(route, body, headers: headers)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// Exit status helpers (the C macros are not imported).
func exitedNormally(_ status: Int32) -> Bool { status & 0x7f == 0 }
func exitCode(_ status: Int32) -> Int32 { (status >> 8) & 0xff }
