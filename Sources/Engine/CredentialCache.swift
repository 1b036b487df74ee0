import Synchronization

/// Credentials verified against their slow hash, so that a request pays the hash once per user and password,
/// not on every call.
///
/// Locking: one mutex over the map and its generation. `invalidate` bumps the generation; a verification
/// that began before it cannot insert its (now stale) result afterwards.
final class CredentialCache: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var verified: [String: [UInt8]] = [:]
    }
    private let state = Mutex(State())

    /// The generation to pass to `insert` for a verification starting now.
    var generation: UInt64 { state.withLock { $0.generation } }

    func contains(user: String, password: String) -> Bool {
        let given = Array(password.utf8)
        return state.withLock { s in
            guard let known = s.verified[user], known.count == given.count else { return false }
            var difference: UInt8 = 0
            for i in 0..<known.count { difference |= known[i] ^ given[i] }
            return difference == 0
        }
    }

    func insert(user: String, password: String, ifGeneration generation: UInt64) {
        state.withLock { s in
            if s.generation == generation { s.verified[user] = Array(password.utf8) }
        }
    }

    /// Forgets a user's verified password (after a password change or a drop).
    func invalidate(user: String) {
        state.withLock { s in
            s.generation &+= 1
            s.verified[user] = nil
        }
    }
}
