import Engine
import HTTP
import JSON

/// What a route handler gets: the parsed body, the engine, and the request headers it may consult.
struct RequestContext {
    let body: RequestBody
    let engine: Engine
    /// The `DB-Name` header.
    let headerDatabase: String?
    let options: APIOptions
    /// The authenticated user; nil when authentication is off.
    let caller: String?

    /// The database of the request: `dbName` in the body, else the `DB-Name` header, else `default`.
    func database() throws(SwiftvecError) -> String {
        if let name = try body.string("dbName"), !name.isEmpty { return name }
        if let header = headerDatabase, !header.isEmpty { return header }
        return DatabaseInfo.defaultName
    }
}

/// A successful reply: the `data` of the envelope, plus top-level keys some routes add (`message`).
struct Reply {
    enum Payload {
        case value(JSONValue)
        /// Written by itself into the response: rows streamed rather than built as `JSONValue`s first.
        case stream(any ReplyData)
    }

    var payload: Payload
    var extra: [(String, JSONValue)] = []

    init(data: JSONValue, extra: [(String, JSONValue)] = []) {
        payload = .value(data)
        self.extra = extra
    }

    init(stream: any ReplyData, extra: [(String, JSONValue)] = []) {
        payload = .stream(stream)
        self.extra = extra
    }

    static let empty = Reply(data: .object(JSONObject()))
}

/// A reply's `data` that writes its own JSON text (search hits, queried rows).
protocol ReplyData: Sendable {
    func write(to out: inout [UInt8], writer: JSONWriter)
}

/// One route of the Milvus REST v2 surface.
struct Route: Sendable {
    /// `/v2/vectordb/<group>/<action>`.
    let path: String
    /// The Milvus request struct name (used in 1802 messages).
    let requestName: String
    /// The Milvus privilege the caller needs (checked only with authentication on).
    let privilege: String
    /// True when a user may call the route on itself (`userName` = the caller) without the privilege.
    let selfService: Bool
    let handler: @Sendable (RequestContext) throws(SwiftvecError) -> Reply

    init(_ group: String, _ action: String, _ requestName: String, _ privilege: String,
         _ handler: @escaping @Sendable (RequestContext) throws(SwiftvecError) -> Reply, selfService: Bool = false) {
        path = "/v2/vectordb/\(group)/\(action)"
        self.requestName = requestName
        self.privilege = privilege
        self.selfService = selfService
        self.handler = handler
    }
}
