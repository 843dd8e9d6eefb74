/// An image's /etc/passwd and /etc/group, read leniently (they come from the image: a line that is
/// not a well-formed entry is kept as it is and never matched), and a user added to them.
struct AccountFiles: Equatable {
    private(set) var passwd: [String]
    private(set) var group: [String]

    /// The files' text; nil for a file the image lacks.
    init(passwd: String?, group: String?) {
        self.passwd = Self.lines(passwd)
        self.group = Self.lines(group)
    }

    var passwdText: String { passwd.map { $0 + "\n" }.joined() }
    var groupText: String { group.map { $0 + "\n" }.joined() }

    private struct User { var name: String, uid: UInt32, gid: UInt32, home: String }
    private struct Group { var name: String, gid: UInt32, members: [Substring] }

    private var users: [User] {
        passwd.compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 7, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]), !fields[0].isEmpty else { return nil }
            return User(name: String(fields[0]), uid: uid, gid: gid, home: fields[5].hasPrefix("/") ? String(fields[5]) : "/")
        }
    }

    private var groups: [Group] {
        group.compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, let gid = UInt32(fields[2]), !fields[0].isEmpty else { return nil }
            return Group(name: String(fields[0]), gid: gid, members: fields[3].split(separator: ","))
        }
    }

    /// The account `user` names, as the files have it; nil when they lack it (and for root).
    func account(_ user: SandboxUser) -> SandboxAccount? {
        guard !user.isRoot else { return nil }
        let found: User?
        var gid: UInt32?
        switch user {
        case .root: return nil
        case .named(let name): found = users.first { $0.name == name }
        case .id(let uid, let wanted):
            found = users.first { $0.uid == uid }
            gid = wanted
        }
        guard let found else { return nil }
        return account(found, gid: gid ?? found.gid)
    }

    private func account(_ user: User, gid: UInt32) -> SandboxAccount {
        let others = groups.filter { $0.gid != gid && $0.members.contains(Substring(user.name)) }.map(\.gid)
        var seen = Set<UInt32>()
        let all = ([gid] + others).filter { seen.insert($0).inserted }.prefix(32)
        return SandboxAccount(name: user.name, uid: user.uid, gid: gid, groups: Array(all), home: user.home)
    }

    /// The account `user` names, added to the files when they lack it: a name gets uid 1000 or
    /// the next free one; a number gets the name `sandbox` (else `sandbox-UID`); either gets a
    /// group of its own name, numbered as the user where that is free, unless an existing
    /// group was named by number. Its home is /home/NAME. A root entry is added to files that
    /// had none (an image without /etc/passwd), so the sandbox's root keeps its name.
    mutating func ensure(_ user: SandboxUser) -> (account: SandboxAccount, added: Bool)? {
        guard !user.isRoot else { return nil }
        if let existing = account(user) { return (existing, false) }
        let name: String, uid: UInt32, wantedGID: UInt32?
        let userIDs = Set(users.map(\.uid)), userNames = Set(users.map(\.name))
        switch user {
        case .root: return nil
        case .named(let given):
            (name, uid, wantedGID) = (given, Self.free(from: 1000, among: userIDs), nil)
        case .id(let given, let gid):
            name = userNames.contains("sandbox") ? "sandbox-\(given)" : "sandbox"
            (uid, wantedGID) = (given, gid)
        }
        if !users.contains(where: { $0.uid == 0 }) && uid != 0 { passwd.insert("root:x:0:0:root:/root:/bin/sh", at: 0) }
        if !groups.contains(where: { $0.gid == 0 }) { group.insert("root:x:0:", at: 0) }
        let groupIDs = Set(groups.map(\.gid))
        let gid: UInt32
        if let wantedGID, groupIDs.contains(wantedGID) {
            gid = wantedGID
        } else if let own = groups.first(where: { $0.name == name }), wantedGID == nil {
            gid = own.gid
        } else {
            gid = wantedGID ?? (groupIDs.contains(uid) ? Self.free(from: 1000, among: groupIDs) : uid)
            let groupName = groups.contains { $0.name == name } ? "\(name)-\(gid)" : name
            group.append("\(groupName):x:\(gid):")
        }
        let home = "/home/\(name)"
        passwd.append("\(name):x:\(uid):\(gid)::\(home):/bin/sh")
        return (account(User(name: name, uid: uid, gid: gid, home: home), gid: gid), true)
    }

    private static func free(from start: UInt32, among used: Set<UInt32>) -> UInt32 {
        var candidate = start
        while used.contains(candidate) { candidate += 1 }
        return candidate
    }

    private static func lines(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
