import Engine
import HTTP
import JSON
import Logging

/// The Milvus REST v2 front end: routes HTTP requests to handlers and wraps results in Milvus's envelope
/// (`{"code":0,"data":...}` or `{"code":<code>,"message":...}`).
public struct APIServer: HTTPHandler {
    let engine: Engine
    let logger: Logger
    let options: APIOptions
    private let routes: [String: Route]

    public init(engine: Engine, logger: Logger, options: APIOptions = APIOptions()) {
        self.engine = engine
        self.logger = logger
        self.options = options
        routes = Dictionary(uniqueKeysWithValues: RouteTable.all.map { ($0.path, $0) })
    }

    /// Every route path the server answers (for docs and tests).
    public static var routePaths: [String] { RouteTable.all.map(\.path) }

    /// Headers on every response, as Milvus's CORS middleware sets them.
    public static let defaultHeaders: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Headers",
         "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, accept, origin, Cache-Control, X-Requested-With, Idempotency-Key, DB-Name, Accept-Type-Allow-Int64, Request-Timeout"),
        ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"),
        ("X-Content-Type-Options", "nosniff"),
    ]

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        if request.method == "OPTIONS" { return HTTPResponse(status: 204) }
        if request.path == "/healthz" && (request.method == "GET" || request.method == "HEAD") {
            return .text("OK", status: 200)
        }
        guard request.method == "POST", let route = routes[request.path] else {
            return .text("404 page not found", status: 404)
        }
        let writer = JSONWriter(allowInt64: Self.parseBool(request.header("Accept-Type-Allow-Int64")) ?? true)
        do throws(SwiftvecError) {
            let body = try RequestBody(bytes: request.body, structName: route.requestName)
            let context = RequestContext(body: body, engine: engine, headerDatabase: request.header("DB-Name"), options: options)
            let reply = try route.handler(context)
            var envelope = JSONObject()
            envelope.append("code", 0)
            envelope.append("data", reply.data)
            for (key, value) in reply.extra { envelope.append(key, value) }
            return .json(writer.encode(.object(envelope)))
        } catch {
            if error.code == .serviceInternal || error.code == .unexpected {
                logger.warning("request failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
            } else {
                logger.debug("request rejected", metadata: ["path": "\(request.path)", "error": "\(error)"])
            }
            return Self.errorResponse(error, writer: writer)
        }
    }

    public func payloadTooLarge(limit: Int) -> HTTPResponse {
        Self.errorResponse(SwiftvecError(.parameterTooLarge,
                                         "request body is larger than the limit of \(limit) bytes (--max-body-size): parameter too large"),
                           writer: JSONWriter())
    }

    static func errorResponse(_ error: SwiftvecError, writer: JSONWriter) -> HTTPResponse {
        .json(writer.encode(["code": .int(Int64(error.code.rawValue)), "message": .string(error.message)]),
              status: error.code.httpStatus)
    }

    /// Go's `strconv.ParseBool`; nil for anything else (the default then applies).
    static func parseBool(_ text: String?) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}
