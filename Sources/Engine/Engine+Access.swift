import Credentials

/// Users, roles, privilege groups and the checks made with them (Milvus RBAC). Everything is stored in the
/// catalog, so it survives restarts; passwords only as yescrypt hashes.
extension Engine {
    static let passwordLengths = 6...72
    static let accessNameLength = 32

    /// Creates `root` (password `Milvus`) and the `admin` and `public` roles on a data directory that lacks them.
    func ensureBuiltInAccess() throws(SwiftvecError) {
        let s = snapshot
        guard s.users[UserInfo.rootName] == nil || s.roles[RoleInfo.adminName] == nil || s.roles[RoleInfo.publicName] == nil else {
            return
        }
        let rootHash = try Self.hash(UserInfo.rootDefaultPassword)
        try mutate { state, writer in
            if state.users[UserInfo.rootName] == nil {
                try writer.store(UserInfo(id: try writer.newID(), name: UserInfo.rootName, passwordHash: rootHash, roles: [],
                                          createdAt: Self.nowMillis()), in: &state)
            }
            if state.roles[RoleInfo.adminName] == nil {
                try writer.store(RoleInfo(id: try writer.newID(), name: RoleInfo.adminName, grants: []), in: &state)
            }
            if state.roles[RoleInfo.publicName] == nil {
                try writer.store(RoleInfo(id: try writer.newID(), name: RoleInfo.publicName, grants: Privileges.publicDefaults),
                                 in: &state)
            }
        }
    }

    // MARK: Authentication and authorization

    /// True when `password` is the user's. A verified pair is cached until the password changes or the user
    /// is dropped, so only the first request of a user pays the slow hash.
    public func authenticate(user: String, password: String) -> Bool {
        let generation = credentials.generation
        if credentials.contains(user: user, password: password) { return true }
        guard let u = snapshot.users[user], PasswordHash.verify(password, against: u.passwordHash) else { return false }
        credentials.insert(user: user, password: password, ifGeneration: generation)
        return true
    }

    /// True for `root` and for holders of the `admin` role, who may do everything.
    public func isSuperuser(_ user: String) -> Bool {
        user == UserInfo.rootName || snapshot.users[user]?.roles.contains(RoleInfo.adminName) == true
    }

    /// Throws 1401 unless one of the user's roles (or `public`) grants `privilege` on the object: the database
    /// for cluster- and database-level privileges, the collection (by its real name) for collection-level ones.
    public func checkPrivilege(user: String, privilege: String, database: String, collection: String?) throws(SwiftvecError) {
        if isSuperuser(user) { return }
        let s = snapshot
        let level = Privileges.levels[privilege] ?? .cluster
        let object = level == .collection ? (collection ?? "*") : "*"
        let roles = (s.users[user]?.roles ?? []) + [RoleInfo.publicName]
        for roleName in roles {
            guard let role = s.roles[roleName] else { continue }
            for g in role.grants where (g.dbName == "*" || g.dbName == database) && (g.objectName == "*" || g.objectName == object) {
                if Self.privilege(g.privilege, covers: privilege, state: s) { return }
            }
        }
        throw SwiftvecError(.privilegeNotPermitted,
                            "Privilege\(privilege): permission deny to \(user) in the \(database) database: privilege not permitted")
    }

    /// The real name of a collection named directly or through an alias (nil when it does not exist).
    public func resolveCollectionName(database: String, name: String) -> String? {
        try? snapshot.collection(database: database, name: name).name
    }

    private static func privilege(_ granted: String, covers wanted: String, state: CatalogState) -> Bool {
        if granted == wanted || Privileges.isWildcard(granted) { return true }
        if let group = Privileges.builtInGroup(granted) { return group.privileges.contains(wanted) }
        return state.privilegeGroups[granted]?.privileges.contains(wanted) ?? false
    }

    // MARK: Users

    /// User names, in creation order.
    public func listUsers() -> [String] {
        snapshot.users.values.sorted { $0.id < $1.id }.map(\.name)
    }

    /// The roles granted to a user.
    public func describeUser(_ name: String) throws(SwiftvecError) -> [String] {
        guard let u = snapshot.users[name] else { throw Self.userNotFound(name) }
        return u.roles
    }

    public func createUser(_ name: String, password: String) throws(SwiftvecError) {
        try NameRules.validate(name, kind: "username", maxLength: Self.accessNameLength)
        try Self.validatePassword(password)
        let hash = try Self.hash(password)
        try mutate { state, writer in
            guard state.users[name] == nil else { throw SwiftvecError.unexpected("user already exists: \(name)") }
            try writer.store(UserInfo(id: try writer.newID(), name: name, passwordHash: hash, roles: [], createdAt: Self.nowMillis()),
                             in: &state)
        }
    }

    /// Changes a password. The old one must be given unless `checkOld` is false (a superuser's change).
    public func updatePassword(_ name: String, old: String, new: String, checkOld: Bool) throws(SwiftvecError) {
        try Self.validatePassword(new)
        guard let u = snapshot.users[name] else { throw Self.userNotFound(name) }
        if checkOld && !PasswordHash.verify(old, against: u.passwordHash) {
            throw SwiftvecError(.privilegeNotAuthenticated, "old password not correct for \(name): not authenticated")
        }
        let hash = try Self.hash(new)
        try mutate { state, writer in
            guard var current = state.users[name] else { throw Self.userNotFound(name) }
            current.passwordHash = hash
            try writer.store(current, in: &state)
        }
        credentials.invalidate(user: name)
    }

    public func dropUser(_ name: String) throws(SwiftvecError) {
        guard name != UserInfo.rootName else { throw SwiftvecError.invalidParameter("root user cannot be deleted") }
        try mutate { state, writer in
            guard let u = state.users[name] else { return }
            try writer.removeUser(u, in: &state)
        }
        credentials.invalidate(user: name)
    }

    public func grantRole(user: String, role: String) throws(SwiftvecError) {
        try mutate { state, writer in
            guard var u = state.users[user] else { throw Self.userNotFound(user) }
            guard state.roles[role] != nil else { throw Self.roleNotFound(role) }
            if u.roles.contains(role) { return }
            u.roles.append(role)
            try writer.store(u, in: &state)
        }
    }

    public func revokeRole(user: String, role: String) throws(SwiftvecError) {
        try mutate { state, writer in
            guard var u = state.users[user] else { throw Self.userNotFound(user) }
            guard state.roles[role] != nil else { throw Self.roleNotFound(role) }
            guard u.roles.contains(role) else { return }
            u.roles.removeAll { $0 == role }
            try writer.store(u, in: &state)
        }
    }

    // MARK: Roles

    /// Role names: `admin`, `public`, then the others in creation order.
    public func listRoles() -> [String] {
        let builtIn = [RoleInfo.adminName, RoleInfo.publicName]
        return builtIn + snapshot.roles.values.filter { !builtIn.contains($0.name) }.sorted { $0.id < $1.id }.map(\.name)
    }

    /// A role's grants, optionally only those in one database.
    public func describeRole(_ name: String, database: String?) throws(SwiftvecError) -> [PrivilegeGrant] {
        guard let role = snapshot.roles[name] else { throw Self.roleNotFound(name) }
        guard let database else { return role.grants }
        return role.grants.filter { $0.dbName == database || $0.dbName == "*" }
    }

    public func createRole(_ name: String) throws(SwiftvecError) {
        try NameRules.validate(name, kind: "role", maxLength: Self.accessNameLength)
        try mutate { state, writer in
            guard state.roles[name] == nil else { throw SwiftvecError.unexpected("role [name=\(name)] already exists") }
            try writer.store(RoleInfo(id: try writer.newID(), name: name, grants: []), in: &state)
        }
    }

    /// Drops a role that holds no privileges (as Milvus asks), taking it from its users.
    public func dropRole(_ name: String) throws(SwiftvecError) {
        guard name != RoleInfo.adminName && name != RoleInfo.publicName else {
            throw SwiftvecError.invalidParameter("the role[\(name)] is a default role, which can't be dropped")
        }
        try mutate { state, writer in
            guard let role = state.roles[name] else { throw Self.roleNotFound(name) }
            guard role.grants.isEmpty else {
                throw SwiftvecError.unexpected("fail to drop the role that it has privileges. Use REVOKE API to revoke privileges")
            }
            for var u in state.users.values where u.roles.contains(name) {
                u.roles.removeAll { $0 == name }
                try writer.store(u, in: &state)
            }
            try writer.removeRole(role, in: &state)
        }
    }

    /// `roles/grant_privilege` (`grant` true) and `revoke_privilege`: a privilege on an object of type
    /// `Global`, `Collection` or `User`.
    public func changePrivilege(role: String, objectType: String, objectName: String, database: String, privilege: String,
                                grantor: String, grant: Bool) throws(SwiftvecError) {
        guard ["Global", "Collection", "User"].contains(objectType) else {
            throw SwiftvecError.invalidParameter("invalid object type \(objectType), expected one of Global, Collection, User")
        }
        guard !objectName.isEmpty else { throw SwiftvecError.invalidParameter("objectName should not be empty") }
        let s = snapshot
        if let level = Privileges.levels[privilege] {
            let fits = switch level {
            case .collection: objectType == "Collection"
            case .database: objectType == "Global"
            case .cluster: objectType == "Global" || (objectType == "User" && ["SelectUser", "UpdateUser"].contains(privilege))
            }
            guard fits else {
                throw SwiftvecError.invalidParameter("privilege \(privilege) does not apply to an object of type \(objectType)")
            }
        } else {
            try Self.validatePrivilegeOrGroup(privilege, state: s)
        }
        let g = PrivilegeGrant(objectType: objectType, objectName: objectName, dbName: database, privilege: privilege,
                               grantor: grantor)
        try change(role: role, grant: g, add: grant)
    }

    /// `roles/grant_privilege_v2` and `revoke_privilege_v2`: a privilege or group on a database and collection
    /// (either may be `*`), with Milvus 2.5's rules for cluster- and database-level privileges.
    public func changePrivilegeV2(role: String, privilege: String, database: String, collection: String, grantor: String,
                                  grant: Bool) throws(SwiftvecError) {
        let s = snapshot
        let level: PrivilegeLevel?
        if let l = Privileges.levels[privilege] {
            level = l
        } else if let group = Privileges.builtInGroup(privilege) {
            level = group.level
        } else {
            try Self.validatePrivilegeOrGroup(privilege, state: s)
            level = nil
        }
        switch level {
        case .cluster? where database != "*" || collection != "*":
            throw SwiftvecError.invalidParameter("dbName and collectionName should be * for the cluster level privilege: \(privilege)")
        case .database? where collection != "*":
            throw SwiftvecError.invalidParameter("collectionName should be * for the database level privilege: \(privilege)")
        default: break
        }
        let objectType = level == .collection || (level == nil && collection != "*") ? "Collection" : "Global"
        let g = PrivilegeGrant(objectType: objectType, objectName: collection, dbName: database, privilege: privilege,
                               grantor: grantor)
        try change(role: role, grant: g, add: grant)
    }

    private func change(role: String, grant g: PrivilegeGrant, add: Bool) throws(SwiftvecError) {
        try mutate { state, writer in
            guard var r = state.roles[role] else { throw Self.roleNotFound(role) }
            let same = { (other: PrivilegeGrant) in
                other.objectType == g.objectType && other.objectName == g.objectName && other.dbName == g.dbName
                    && other.privilege == g.privilege
            }
            if add {
                if r.grants.contains(where: same) { return }
                r.grants.append(g)
            } else {
                guard r.grants.contains(where: same) else { return }
                r.grants.removeAll(where: same)
            }
            try writer.store(r, in: &state)
        }
    }

    // MARK: Privilege groups

    /// The built-in groups, then the user-defined ones in creation order.
    public func listPrivilegeGroups() -> [(name: String, privileges: [String])] {
        Privileges.builtInGroups.map { ($0.name, $0.privileges) }
            + snapshot.privilegeGroups.values.sorted { $0.id < $1.id }.map { ($0.name, $0.privileges) }
    }

    public func createPrivilegeGroup(_ name: String) throws(SwiftvecError) {
        try NameRules.validate(name, kind: "privilege group")
        guard Privileges.builtInGroup(name) == nil && Privileges.levels[name] == nil && !Privileges.isWildcard(name) else {
            throw SwiftvecError.invalidParameter("privilege group name [\(name)] is a built-in privilege or privilege group")
        }
        try mutate { state, writer in
            guard state.privilegeGroups[name] == nil else {
                throw SwiftvecError.unexpected("privilege group [\(name)] already exists")
            }
            try writer.store(PrivilegeGroupInfo(id: try writer.newID(), name: name, privileges: []), in: &state)
        }
    }

    public func dropPrivilegeGroup(_ name: String) throws(SwiftvecError) {
        guard Privileges.builtInGroup(name) == nil else {
            throw SwiftvecError.invalidParameter("the privilege group [\(name)] is built in and can't be dropped")
        }
        try mutate { state, writer in
            guard let group = state.privilegeGroups[name] else { return }
            if let role = state.roles.values.first(where: { $0.grants.contains { $0.privilege == name } }) {
                throw SwiftvecError.unexpected("privilege group [\(name)] is used by role [\(role.name)], Use REVOKE API to revoke it first")
            }
            try writer.removePrivilegeGroup(group, in: &state)
        }
    }

    /// Adds (`add` true) or removes privileges of a user-defined group. Only single privilege names are allowed.
    public func changePrivilegeGroup(_ name: String, privileges: [String], add: Bool) throws(SwiftvecError) {
        for p in privileges where Privileges.levels[p] == nil {
            throw SwiftvecError.invalidParameter("privilege name [\(p)] is invalid")
        }
        try mutate { state, writer in
            guard var group = state.privilegeGroups[name] else {
                throw SwiftvecError.unexpected("privilege group [\(name)] does not exist")
            }
            if add {
                for p in privileges where !group.privileges.contains(p) { group.privileges.append(p) }
            } else {
                group.privileges.removeAll { privileges.contains($0) }
            }
            try writer.store(group, in: &state)
        }
    }

    // MARK: Helpers

    private static func validatePassword(_ password: String) throws(SwiftvecError) {
        let n = password.count
        guard passwordLengths.contains(n) else {
            throw SwiftvecError(.invalidParameter,
                                "invalid password length: invalid parameter[\(n) out of range \(passwordLengths.lowerBound) <= value <= \(passwordLengths.upperBound)]")
        }
    }

    private static func validatePrivilegeOrGroup(_ name: String, state: CatalogState) throws(SwiftvecError) {
        guard Privileges.isWildcard(name) || Privileges.levels[name] != nil || Privileges.builtInGroup(name) != nil
                || state.privilegeGroups[name] != nil else {
            throw SwiftvecError.invalidParameter("not found the privilege name[\(name)]")
        }
    }

    private static func hash(_ password: String) throws(SwiftvecError) -> String {
        guard let hash = PasswordHash.make(password) else {
            throw SwiftvecError(.serviceInternal, "service internal error: cannot hash the password (libxcrypt failed)")
        }
        return hash
    }

    static func userNotFound(_ name: String) -> SwiftvecError {
        SwiftvecError.unexpected("not found the user, maybe the user isn't existed or internal system error: \(name)")
    }

    static func roleNotFound(_ name: String) -> SwiftvecError {
        SwiftvecError.unexpected("not found the role, maybe the role isn't existed or internal system error: \(name)")
    }
}
