import Glibc
import JSON
import Testing

@Suite("HTTP surface of the real server")
struct ServerBasicsTests {
    @Test func healthzAnswersWhileUp() throws {
        let server = try ServerProcess()
        let client = server.client()
        let r = try client.request("GET", "/healthz")
        #expect(r.status == 200)
        #expect(r.text == "OK")
        #expect(try client.request("HEAD", "/healthz").status == 200)
    }

    @Test func unknownPathsAndNonPostMethodsAre404() throws {
        let server = try ServerProcess()
        let client = server.client()
        let unknown = try client.request("POST", "/v2/vectordb/collections/nope", body: Array("{}".utf8))
        #expect(unknown.status == 404)
        #expect(unknown.text == "404 page not found")
        #expect(try client.request("POST", "/v2/vectordb/entities/teleport", body: Array("{}".utf8)).status == 404)
        #expect(try client.request("GET", "/v2/vectordb/collections/list").status == 404)
        #expect(try client.request("PUT", "/v2/vectordb/collections/list", body: Array("{}".utf8)).status == 404)
        #expect(try client.request("POST", "/", body: Array("{}".utf8)).status == 404)
        // A query string does not change the route.
        #expect(try client.request("POST", "/v2/vectordb/collections/list?x=1", body: Array("{}".utf8)).status == 200)
    }

    @Test func corsHeadersAndPreflight() throws {
        let server = try ServerProcess()
        let client = server.client()
        let preflight = try client.request("OPTIONS", "/v2/vectordb/collections/list",
                                           headers: [("Origin", "http://example.test"), ("Access-Control-Request-Method", "POST")])
        #expect(preflight.status == 204)
        #expect(preflight.body.isEmpty)
        #expect(preflight.header("Access-Control-Allow-Origin") == "*")
        #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
        let post = try client.request("POST", "/v2/vectordb/collections/list", body: Array("{}".utf8))
        #expect(post.header("Access-Control-Allow-Origin") == "*")
        #expect(post.header("Access-Control-Allow-Credentials") == "true")
        #expect(post.header("Content-Type")?.hasPrefix("application/json") == true)
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let server = try ServerProcess()
        let client = server.client()
        for i in 0..<50 {
            let r = try client.call("collections/has", #"{"collectionName":"c\#(i)"}"#)
            #expect(r.code == 0)
            #expect(r["data"]?["has"] == .bool(false))
        }
    }

    /// On-CPU nanoseconds of each of the server's HTTP worker threads (libmicrohttpd names them "MHD-...").
    static func workerCPU(pid: pid_t) -> [Int: Int] {
        var result: [Int: Int] = [:]
        guard let dir = opendir("/proc/\(pid)/task") else { return result }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int(name), let comm = readSmallFile("/proc/\(pid)/task/\(tid)/comm"),
                  comm.hasPrefix("MHD-"), let stat = readSmallFile("/proc/\(pid)/task/\(tid)/schedstat"),
                  let ns = Int(stat.split(separator: " ")[0]) else { continue }
            result[tid] = ns
        }
        return result
    }

    /// How many file descriptors the process has open.
    static func openDescriptors(pid: pid_t) -> Int {
        guard let dir = opendir("/proc/\(pid)/fd") else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { count += 1 }
        }
        return count
    }

    /// Each worker's share of the CPU the workers spent while `work` ran.
    static func workerShares(pid: pid_t, _ work: () throws -> Void) rethrows -> [Double] {
        let before = workerCPU(pid: pid)
        try work()
        let deltas = workerCPU(pid: pid).map { tid, ns in Double(ns - (before[tid] ?? 0)) }
        let total = deltas.reduce(0, +)
        return deltas.map { $0 / max(total, 1) }
    }

    /// Two keep-alive connections are served by two worker threads, not one: a worker thread that accepted
    /// both would give two busy clients one core. A closed connection no longer counts against its worker.
    @Test func connectionsAreSpreadOverTheWorkers() throws {
        let server = try ServerProcess(arguments: ["--threads", "2"])
        let a = server.client(), b = server.client()
        #expect(try a.request("GET", "/healthz").status == 200)
        #expect(try b.request("GET", "/healthz").status == 200)
        let body = Array(#"{"collectionName":"nothing"}"#.utf8)
        func alternate(_ x: HTTPClient, _ y: HTTPClient) throws {
            for _ in 0..<400 {
                #expect(try x.request("POST", "/v2/vectordb/collections/has", body: body).status == 200)
                #expect(try y.request("POST", "/v2/vectordb/collections/has", body: body).status == 200)
            }
        }
        let shares = try Self.workerShares(pid: server.pid) { try alternate(a, b) }
        #expect(shares.count == 2)
        #expect(shares.allSatisfy { $0 > 0.25 }, "worker shares \(shares)")

        // b's worker holds nothing once b is gone, so the next connection goes there, not next to a. The
        // worker learns of the close when it next runs, which a loaded machine (the whole suite at once) can
        // delay: a fixed wait of 300 ms, then of 1.5 s, was once not enough there (CI). So the test waits
        // until the server has closed its end of b, which libmicrohttpd does after reporting the close.
        let open = Self.openDescriptors(pid: server.pid)
        b.disconnect()
        var waited = 0
        while Self.openDescriptors(pid: server.pid) >= open && waited < 600 {
            usleep(50_000)
            waited += 1
        }
        #expect(Self.openDescriptors(pid: server.pid) < open, "the server still holds the closed connection after 30 s")
        let c = server.client()
        #expect(try c.request("GET", "/healthz").status == 200)
        let after = try Self.workerShares(pid: server.pid) { try alternate(a, c) }
        #expect(after.allSatisfy { $0 > 0.25 }, "worker shares after a reconnect \(after)")
    }

    @Test func oversizedBodyIs413AndNothingIsProcessed() throws {
        let server = try ServerProcess(arguments: ["--max-body-size", "1K"])
        let big = #"{"collectionName":"big","dimension":4,"description":""# + String(repeating: "x", count: 2000) + #""}"#
        // Declared with Content-Length: refused before the body is read.
        let declared = try server.client().request("POST", "/v2/vectordb/collections/create", body: Array(big.utf8))
        #expect(declared.status == 413)
        let error = try declared.json()
        #expect(error.code == 1102)
        #expect(error.message.contains("1024"))
        // Sent chunked (no Content-Length): refused once the cap is passed.
        let client = server.client()
        var chunked = Array("POST /v2/vectordb/collections/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for piece in stride(from: 0, to: big.utf8.count, by: 500) {
            let part = Array(big.utf8)[piece..<min(piece + 500, big.utf8.count)]
            chunked += Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10]
        }
        chunked += Array("0\r\n\r\n".utf8)
        try client.send(chunked)
        let streamed = try client.receive()
        #expect(streamed.status == 413)
        #expect(try streamed.json().code == 1102)
        let has = try server.call("collections/has", #"{"collectionName":"big"}"#)
        #expect(has["data"]?["has"] == .bool(false))
        // A body under the cap still works.
        #expect(try server.call("collections/create", #"{"collectionName":"small","dimension":4}"#).code == 0)
    }

    @Test func malformedEmptyAndNonObjectBodiesAre1801() throws {
        let server = try ServerProcess()
        let broken = try server.call("collections/create", #"{"collectionName": "x", "dimension": }"#)
        #expect(broken.code == 1801)
        #expect(broken.message.hasPrefix("can only accept json format request, error:"))
        let empty = try server.call("collections/list", "")
        #expect(empty.code == 1801)
        #expect(empty.message.contains("the request body should be nil"))
        let array = try server.call("collections/list", "[1,2]")
        #expect(array.code == 1801)
        #expect(array.message.contains("got array"))
        let wrongType = try server.call("collections/has", #"{"collectionName": 12}"#)
        #expect(wrongType.code == 1801)
        #expect(wrongType.message.contains("collectionName"))
        #expect(try server.call("collections/list", "{}")["data"] == .array([]))
    }

    @Test func sigtermStopsCleanlyAndDataSurvives() throws {
        let server = try ServerProcess()
        #expect(try server.call("collections/create", #"{"collectionName":"kept","dimension":4}"#).code == 0)
        let status = server.stop(signal: SIGTERM)
        #expect(exitedNormally(status))
        #expect(exitCode(status) == 0)
        try server.start()
        #expect(try server.call("collections/has", #"{"collectionName":"kept"}"#)["data"]?["has"] == .bool(true))
    }

    @Test func sigtermLetsAnInFlightRequestFinish() throws {
        let server = try ServerProcess()
        let client = server.client()
        let body = Array(#"{"collectionName":"late","dimension":4}"#.utf8)
        // Headers and part of the body, then the signal, then the rest: the request was in flight. The
        // server's "100 Continue" shows that it has taken the request in (rather than a fixed wait, which a
        // loaded machine can outrun).
        try client.send(Array("POST /v2/vectordb/collections/create HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        #expect(try client.receive().status == 100)
        try client.send(Array(body[..<10]))
        kill(server.pid, SIGTERM)
        // New connections are refused once the server has closed its listening socket, which it does at
        // once on the signal (polled, for the same reason).
        var refused = false
        for _ in 0..<200 where !refused {
            refused = (try? server.client().request("GET", "/healthz")) == nil
            if !refused { usleep(100_000) }
        }
        #expect(refused, "a new connection is refused while draining")
        #expect(server.isRunning, "the server waits for the in-flight request")
        try client.send(Array(body[10...]))
        let response = try client.receive()
        #expect(response.status == 200)
        #expect(try response.json().code == 0)
        let status = server.stop(signal: 0)
        #expect(exitedNormally(status) && exitCode(status) == 0)
        try server.start()
        #expect(try server.call("collections/has", #"{"collectionName":"late"}"#)["data"]?["has"] == .bool(true))
    }

    @Test func oneServerPerDataDirectory() throws {
        let first = try ServerProcess()
        #expect(throws: TestFailure.self) { _ = try ServerProcess(dataDir: first.dataDir) }
        #expect(first.isRunning)
    }

    @Test func environmentVariablesConfigureTheServer() throws {
        let server = try ServerProcess(environment: ["SWIFTVEC_MAX_BODY_SIZE": "300"])
        let body = #"{"collectionName":"x","description":""# + String(repeating: "y", count: 400) + #""}"#
        #expect(try server.client().request("POST", "/v2/vectordb/collections/has", body: Array(body.utf8)).status == 413)
        // The command line wins over the environment.
        let other = try ServerProcess(arguments: ["--max-body-size", "4K"], environment: ["SWIFTVEC_MAX_BODY_SIZE": "300"])
        #expect(try other.client().request("POST", "/v2/vectordb/collections/has", body: Array(body.utf8)).status == 200)
    }

    @Test func versionAndBadOptions() throws {
        let version = try runCommand([ServerProcess.binaryPath, "--version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("0."))
        let bad = try runCommand([ServerProcess.binaryPath, "serve", "--port", "99999", "--data-dir", "/tmp/unused-swiftvec"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("port"))
    }
}

/// Runs a command to completion and returns its exit status and combined output.
func runCommand(_ args: [String]) throws -> (status: Int32, output: String) {
    let quoted = args.map { "'\($0)'" }.joined(separator: " ") + " 2>&1"
    guard let pipe = popen(quoted, "r") else { throw TestFailure("popen failed") }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&chunk, 1, chunk.count, pipe)
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    let status = pclose(pipe)
    return (exitCode(status), String(decoding: output, as: UTF8.self))
}

/// The text of a small file (a /proc entry), or nil if it cannot be read.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 4096)
    let n = read(fd, &bytes, bytes.count)
    return n < 0 ? nil : String(decoding: bytes[..<n], as: UTF8.self)
}
