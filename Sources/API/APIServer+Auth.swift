import Engine
import HTTP

extension APIServer {
    /// The user a request authenticates as: `Authorization: Bearer user:password` or
    /// `Basic base64(user:password)`, checked against the stored hash (through the engine's cache).
    /// Nil, with the 401 response to send, when the credential is missing or wrong.
    func authenticate(_ request: HTTPRequest) -> (user: String?, failure: HTTPResponse?) {
        let header = request.header("Authorization") ?? ""
        var credential: Substring?
        var triedBasic = false
        if header.hasPrefix("Bearer ") {
            credential = header.dropFirst("Bearer ".count)
        } else if header.hasPrefix("Basic ") {
            triedBasic = true
            credential = Base64.decode(String(header.dropFirst("Basic ".count))).map { Substring(String(decoding: $0, as: UTF8.self)) }
        }
        if let credential, let colon = credential.firstIndex(of: ":") {
            let user = String(credential[..<colon]), password = String(credential[credential.index(after: colon)...])
            if !user.isEmpty, !password.isEmpty, engine.authenticate(user: user, password: password) {
                return (user, nil)
            }
        }
        var response = Self.errorResponse(SwiftvecError(.notAuthenticated, "user hasn't authenticated"), writer: .init())
        if triedBasic { response.headers.append(("WWW-Authenticate", "Basic realm=\"restricted\", charset=\"UTF-8\"")) }
        return (nil, response)
    }

    /// Throws 1401 (HTTP 403) unless `user` holds the route's privilege on the request's object. The object
    /// is the collection named by `collectionName` (or reached through `aliasName`), looked up by its real
    /// name so that a grant on a collection also covers its aliases.
    func authorize(_ route: Route, body: RequestBody, user: String, database: String) throws(SwiftvecError) {
        if route.selfService, let target = try? body.string("userName"), target == user { return }
        // An alias resolves to its collection like any collection name does.
        let named = (try? body.string("collectionName")) ?? (try? body.string("aliasName"))
        let collection = named.map { engine.resolveCollectionName(database: database, name: $0) ?? $0 }
        try engine.checkPrivilege(user: user, privilege: route.privilege, database: database, collection: collection)
    }
}
