/// Whom a sandbox's commands, shells and jobs run as (`sandbox new --user UID[:GID]|NAME`). The
/// engine's runner stays root either way, out of their reach.
public enum SandboxUser: Hashable, Sendable, TextCodable {
    case root
    /// A user of the image by name; made (uid 1000, or the next free one) when the image lacks it.
    case named(String)
    /// A user by number; made (named `sandbox`, or `sandbox-UID`) when the image lacks it. No
    /// group: the user's own, else one of the same number.
    case id(uid: UInt32, gid: UInt32?)

    /// What `sandbox mcp` gives an agent unless asked otherwise: no root.
    public static let unprivileged = SandboxUser.named("sandbox")

    /// `root`, `0` or `0:0`; a name (`[a-z_][a-z0-9_.-]*`, at most 32); `UID` or `UID:GID`.
    public init(parsing text: String) throws(SandboxError) {
        do { self = try Self.parse(text) } catch { throw .invalidArgument(error.message) }
    }

    static func parse(_ text: String) throws(TextCodingError) -> SandboxUser {
        if text == "root" || text == "0" || text == "0:0" { return .root }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        if let first = parts.first, first.first?.isNumber == true {
            guard parts.count <= 2, let uid = Self.id(first) else {
                throw TextCodingError("'\(text)' is not a user: give UID[:GID] (numbers below 2147483647) or a name")
            }
            guard parts.count == 2 else { return .id(uid: uid, gid: nil) }
            guard let gid = Self.id(parts[1]) else { throw TextCodingError("'\(parts[1])' in '\(text)' is not a group id") }
            return .id(uid: uid, gid: gid)
        }
        guard Self.isName(text) else {
            throw TextCodingError("'\(text)' is not a user name: lowercase letters, digits, '_', '.' and '-', starting with a letter or '_', at most 32")
        }
        return .named(text)
    }

    public var description: String {
        switch self {
        case .root: "root"
        case .named(let name): name
        case .id(let uid, let gid?): "\(uid):\(gid)"
        case .id(let uid, nil): "\(uid)"
        }
    }

    /// Root however named: commands then run as the runner does, with nothing switched.
    public var isRoot: Bool {
        switch self {
        case .root: true
        case .named(let name): name == "root"
        case .id(let uid, _): uid == 0
        }
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 32, first == UInt8(ascii: "_") || (first >= 97 && first <= 122) else { return false }
        return text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Decimal digits only, below 2^31 - 1 (the kernel reads -1 as "unchanged").
    private static func id(_ text: Substring) -> UInt32? {
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = UInt32(text), value < 0x7FFF_FFFF else { return nil }
        return value
    }
}

/// A sandbox's user as its image has it (made there if it was missing): what the runner switches to.
public struct SandboxAccount: Hashable, Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    /// Its supplementary groups (those of /etc/group that list it), the primary one first.
    public let groups: [UInt32]
    public let home: String

    /// How the runner is told (runner/user.c): `UID:GID:G1,G2,...`.
    var runnerSpec: String { "\(uid):\(gid):" + groups.map(String.init).joined(separator: ",") }

    /// What a command of its gets besides the image's environment, as a login would give it.
    var environment: [String] { ["HOME=\(home)", "USER=\(name)", "LOGNAME=\(name)"] }

    /// Docker's `User` of an exec: by number, so nothing in the sandbox renames it.
    var dockerUser: String { "\(uid):\(gid)" }
}
