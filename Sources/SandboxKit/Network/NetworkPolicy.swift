import Foundation

/// Where a sandbox may connect to. With no rule, the default isolation: the internet as usual, but
/// not the host, the link-local (metadata) addresses or another sandbox. With any rule, an
/// allow-list: only what a rule names, everything else (DNS to the outside included) denied.
/// While it runs, an isolated sandbox may be let through its isolation to more (`exceptions`) and
/// any sandbox denied more (`deny`, which takes precedence over everything).
public struct NetworkPolicy: Sendable, Hashable, Codable {
    public var allow: [EgressRule]
    public var exceptions: [EgressRule] = []
    public var deny: [EgressRule] = []
    /// Names resolving to a fixed address in the sandbox (the docker CLI's `--add-host`); a name
    /// here is reachable only when a rule allows it too.
    public var hosts: [HostAlias]

    public static let isolated = NetworkPolicy()

    public init(allow: [EgressRule] = [], hosts: [HostAlias] = []) { (self.allow, self.hosts) = (allow, hosts) }

    /// Parses `--allow` and `--add-host` values; the first bad one is the error.
    public init(allow: [String], hosts: [String]) throws(PolicyError) {
        self.init(allow: try allow.map(EgressRule.init(parsing:)), hosts: try hosts.map(HostAlias.init(parsing:)))
    }

    public var isAllowList: Bool { !allow.isEmpty }

    /// The rules known as addresses now: ranges, and names (or wildcards) for the `hosts` entries
    /// they match. Other names become addresses when the sandbox looks them up (``EgressGuard``).
    public func resolved() -> [ResolvedRule] { Self.resolve(allow, hosts) }

    /// The `--add-host` addresses of allowed names whose rules include port 80 or 443.
    func webAliases() -> [IPv4Address] {
        let web = allow.filter { $0.port == nil || $0.port == 80 || $0.port == 443 }
        return Array(Set(hosts.filter { alias in web.contains { $0.matches(name: alias.name) } }.map(\.address))).sorted()
    }

    /// The same of the `deny` rules, and of the exceptions.
    public func resolvedDenials() -> [ResolvedRule] { Self.resolve(deny, hosts) }
    public func resolvedExceptions() -> [ResolvedRule] { Self.resolve(exceptions, hosts) }

    /// Whether a name may be looked up (on an allow-list): a rule allows it and none denies it;
    /// the allowing rules.
    func rules(allowing name: String) -> [EgressRule] {
        if deny.contains(where: { $0.matches(name: name) && $0.port == nil }) { return [] }
        return allow.filter { $0.matches(name: name) }
    }

    /// This policy with `rule` allowed (on an allow-list, a rule of it; else an exception to the
    /// isolation) and no longer denied; or denied and no longer allowed.
    public func allowing(_ rule: EgressRule) -> NetworkPolicy {
        var policy = self
        policy.deny.removeAll { $0 == rule }
        if isAllowList {
            if !policy.allow.contains(rule) { policy.allow.append(rule) }
        } else if !policy.exceptions.contains(rule) {
            policy.exceptions.append(rule)
        }
        return policy
    }

    public func denying(_ rule: EgressRule) -> NetworkPolicy {
        var policy = self
        policy.allow.removeAll { $0 == rule }
        policy.exceptions.removeAll { $0 == rule }
        if !policy.deny.contains(rule) { policy.deny.append(rule) }
        return policy
    }

    private static func resolve(_ given: [EgressRule], _ hosts: [HostAlias]) -> [ResolvedRule] {
        var rules: [ResolvedRule] = []
        for rule in given {
            switch rule.destination {
            case .network(let network):
                rules.append(ResolvedRule(network: network, port: rule.port))
            case .name(let pattern):
                let matches = hosts.filter { Self.name($0.name, matches: pattern) }
                rules += matches.map { ResolvedRule(network: IPv4Network(address: $0.address, prefix: 32), port: rule.port) }
            }
        }
        return rules
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allow = try container.decode([EgressRule].self, forKey: .allow)
        deny = try container.decodeIfPresent([EgressRule].self, forKey: .deny) ?? []
        exceptions = try container.decodeIfPresent([EgressRule].self, forKey: .exceptions) ?? []
        hosts = try container.decode([HostAlias].self, forKey: .hosts)
    }

    /// `*.example.com` matches any name below example.com (not example.com itself); else equal, case aside.
    static func name(_ name: String, matches pattern: String) -> Bool {
        let name = name.lowercased(), pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") { return name.hasSuffix(pattern.dropFirst()) && name.count > pattern.count - 1 }
        return name == pattern
    }
}

/// One `--allow` value: `HOST[:PORT]`, where HOST is a name, `*.domain`, an IPv4 address or a CIDR.
/// Kept as its text, as it was given (`"10.0.0.0/8:443"`): the form in labels, state files and JSON.
public struct EgressRule: Sendable, Hashable, TextCodable {
    public enum Destination: Sendable, Hashable, Codable {
        case network(IPv4Network)
        /// A name or a `*.` wildcard, lowercased.
        case name(String)
    }

    public var destination: Destination
    /// TCP and UDP port; nil: every port.
    public var port: UInt16?

    public init(destination: Destination, port: UInt16? = nil) { (self.destination, self.port) = (destination, port) }

    public init(parsing text: String) throws(PolicyError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .badRule(text, "it is empty") }
        if trimmed.hasPrefix("[") || trimmed.filter({ $0 == ":" }).count > 1 {
            throw .badRule(text, "IPv6 is not routed to sandboxes; allow an IPv4 address or a name")
        }
        var host = Substring(trimmed), port: UInt16?
        if let colon = trimmed.lastIndex(of: ":") {
            let digits = trimmed[trimmed.index(after: colon)...]
            guard let number = UInt16(digits), number > 0, digits.allSatisfy(\.isASCII) else {
                throw .badRule(text, "the port must be a number from 1 to 65535")
            }
            (host, port) = (trimmed[..<colon], number)
        }
        if let network = IPv4Network(parsing: String(host)) {
            self.init(destination: .network(network), port: port)
        } else if host.first.map({ $0.isNumber }) == true && host.allSatisfy({ $0.isNumber || $0 == "." || $0 == "/" }) {
            throw .badRule(text, "not an IPv4 address or CIDR such as 10.0.0.0/8")
        } else {
            let name = String(host).lowercased()
            let bare = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
            guard HostAlias.isHostName(bare), !bare.contains("*") else {
                throw .badRule(text, "not a host name, *.domain, IPv4 address or CIDR")
            }
            self.init(destination: .name(name), port: port)
        }
    }

    static func parse(_ text: String) throws(TextCodingError) -> Self {
        do { return try EgressRule(parsing: text) } catch { throw TextCodingError(error.description) }
    }

    func matches(name: String) -> Bool {
        if case .name(let pattern) = destination { return NetworkPolicy.name(name, matches: pattern) }
        return false
    }

    public var description: String {
        let host = switch destination {
        case .network(let network): network.description
        case .name(let name): name
        }
        return port.map { "\(host):\($0)" } ?? host
    }
}

/// `NAME:IP`, as the docker CLI's `--add-host`.
public struct HostAlias: Sendable, Hashable, TextCodable {
    public var name: String
    public var address: IPv4Address

    public init(name: String, address: IPv4Address) { (self.name, self.address) = (name.lowercased(), address) }

    static func parse(_ text: String) throws(TextCodingError) -> Self {
        do { return try HostAlias(parsing: text) } catch { throw TextCodingError(error.description) }
    }

    public init(parsing text: String) throws(PolicyError) {
        guard let colon = text.firstIndex(of: ":") else { throw .badHost(text, "give NAME:IP") }
        let name = String(text[..<colon]), value = String(text[text.index(after: colon)...])
        guard Self.isHostName(name) else { throw .badHost(text, "'\(name)' is not a host name") }
        guard let address = IPv4Address(parsing: value) else { throw .badHost(text, "'\(value)' is not an IPv4 address") }
        self.init(name: name, address: address)
    }

    public var description: String { "\(name):\(address)" }

    /// Letters, digits, `-` and `_` in dot-separated labels of 1 to 63, 253 in all: what a
    /// resolver and /etc/hosts take, and nothing that could break out of an nft or hosts line.
    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
        }
    }
}

/// A rule down to an address range: what the host's firewall enforces.
public struct ResolvedRule: Sendable, Hashable {
    public var network: IPv4Network
    public var port: UInt16?
}

/// Why a policy was refused, worded for the person who wrote it.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case badRule(String, String)
    case badHost(String, String)

    public var description: String {
        switch self {
        case .badRule(let text, let why): "--allow '\(text)': \(why)"
        case .badHost(let text, let why): "--add-host '\(text)': \(why)"
        }
    }
}
