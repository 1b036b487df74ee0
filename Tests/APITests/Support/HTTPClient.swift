import Glibc
import JSON

/// A minimal blocking HTTP/1.1 client over a TCP socket, so that tests control every byte they send
/// (methods, headers, oversized or broken bodies) and see every header that comes back. It keeps its
/// connection alive between requests.
final class HTTPClient {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> JSONValue { try JSONParser.parse(body) }
    }

    let port: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(port: Int) { self.port = port }
    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer = []
    }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        // Close-on-exec: a server another test starts meanwhile would otherwise inherit the socket and keep
        // the connection open after this client closes it.
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            disconnect()
            throw TestFailure("connect to port \(port) failed: \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends one request and reads the whole response.
    func request(_ method: String, _ path: String, body: [UInt8] = [], headers: [(String, String)] = [],
                 sendContentLength: Bool = true) throws -> Response {
        try connectIfNeeded()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if sendContentLength && (method != "GET" || !body.isEmpty) { head += "Content-Length: \(body.count)\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse(method: method)
    }

    /// POSTs JSON text to `/v2/vectordb/<route>`; fails unless the HTTP status is 200.
    func call(_ route: String, _ body: String, headers: [(String, String)] = []) throws -> JSONValue {
        let response = try request("POST", "/v2/vectordb/" + route, body: Array(body.utf8), headers: headers)
        guard response.status == 200 else { throw TestFailure("HTTP \(response.status) for \(route): \(response.text)") }
        return try response.json()
    }

    func send(_ bytes: [UInt8]) throws {
        try connectIfNeeded()
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else {
                disconnect()
                throw TestFailure("send failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Reads the next response on the connection (after `send`).
    func receive() throws -> Response { try readResponse(method: "POST") }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return false }
        buffer += chunk[0..<n]
        return true
    }

    private func readResponse(method: String) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        while buffer.firstRange(of: separator) == nil {
            guard try fill() else {
                disconnect()
                throw TestFailure("connection closed before a response")
            }
        }
        let range = buffer.firstRange(of: separator)!
        let headText = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
        buffer.removeSubrange(..<range.upperBound)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestFailure("bad status line") }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: " ")))
        }
        let response = Response(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        if method == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 {
            // no body
        } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            while buffer.count < length {
                guard try fill() else { throw TestFailure("connection closed inside a body") }
            }
            body = Array(buffer[..<length])
            buffer.removeSubrange(..<length)
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        if response.header("Connection")?.lowercased() == "close" { disconnect() }
        return Response(status: status, headers: headers, body: body)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}

extension JSONValue {
    /// The `code` of a Milvus envelope.
    var code: Int64? { self["code"]?.intValue }
    /// The `message` of a Milvus envelope.
    var message: String { self["message"]?.stringValue ?? "" }
}
