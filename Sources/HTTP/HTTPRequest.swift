import CMicroHTTPD

/// One complete HTTP request, as handed to an `HTTPHandler`.
///
/// It borrows libmicrohttpd's connection: it is valid only during the `handle` call and must not escape.
public struct HTTPRequest {
    public let method: String
    /// The path, without the query string.
    public let path: String
    /// The whole body (already capped at the server's maximum size).
    public let body: [UInt8]
    let connection: OpaquePointer

    init(method: String, path: String, body: [UInt8], connection: OpaquePointer) {
        self.method = method
        self.path = path
        self.body = body
        self.connection = connection
    }

    /// The value of a request header (case-insensitive name), or nil.
    public func header(_ name: String) -> String? {
        guard let v = MHD_lookup_connection_value(connection, MHD_ValueKind.HEADER_KIND, name) else { return nil }
        return String(cString: v)
    }
}

/// A response to send. Headers common to every response (CORS) come from the server's configuration.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(status: Int, contentType: String? = nil, body: [UInt8] = [], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A JSON body.
    public static func json(_ body: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json; charset=utf-8", body: body)
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}

/// Answers requests. Called synchronously on libmicrohttpd's worker threads, so it must be thread-safe.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
    /// The response for a body over the size cap (nothing else about the request is processed).
    func payloadTooLarge(limit: Int) -> HTTPResponse
}
