import Foundation

/// The host's nftables table that keeps sandboxes in (`table inet sandbox_net`). It lives in the host's
/// network namespace, where nothing in a sandbox (which has no `NET_ADMIN`) can change it, and it is
/// keyed by our bridges, not by addresses, so a sandbox we have not admitted yet is held, not let out:
///
/// - from either bridge, no IPv6 (the networks carry none; link-local v6 would reach the host);
/// - the isolated bridge: the internet as usual, but not the host (its input hook), the link-local
///   range (the metadata address) or another port of the same bridge (a neighbour);
/// - the allow-list bridge: only what the sandbox's own chain (`s_<sandbox id>`, jumped to by source
///   address through `by_source`) accepts; a source without one gets nothing. That chain accepts the
///   egress guard on the gateway (DNS; the proxy), the addresses and ports its rules name, and those
///   the guard learned from answering an allowed name (the sandbox's own set `l_<id>`, address .
///   ports, until the answer's TTL runs out); connections to ports 80 and 443 of learned addresses
///   (`w_<id>`, through its nat chain `n_<id>`) go to the guard's proxy instead, which checks the
///   Host or server name. All of a sandbox's objects are its own, made anew at its admission and
///   removed at its release: a later sandbox given the same address inherits nothing.
///
/// The scripts are pure (tested without nft); ``apply(_:)`` runs them in one transaction each.
struct HostFirewall: Sendable {
    static let table = "sandbox_net"
    /// Bumped whenever the base rules change: an older table is replaced.
    static let version = 4
    let isolatedBridge: String
    let allowListBridge: String

    /// The chain whose presence says the base rules of this version are in place.
    var markerChain: String { "egress_v\(Self.version)" }

    /// The table, its chains and the source map; replaces an older version's table whole.
    /// `gateway`: the allow-list bridge's address, where the egress guard listens.
    func baseScript(replacing old: Bool, gateway: IPv4Address) -> String {
        let bridges = "{ \"\(isolatedBridge)\", \"\(allowListBridge)\" }"
        return (old ? "delete table inet \(Self.table)\n" : "") + """
        table inet \(Self.table) {
            map by_source { type ipv4_addr : verdict; }
            map web_by_source { type ipv4_addr : verdict; }
            chain web {
                type nat hook prerouting priority dstnat - 5; policy accept;
                iifname "\(allowListBridge)" ip saddr vmap @web_by_source
            }
            chain forward {
                type filter hook forward priority filter - 5; policy accept;
                iifname \(bridges) jump \(markerChain)
            }
            chain input {
                type filter hook input priority filter - 5; policy accept;
                iifname \(bridges) jump to_host
            }
            chain \(markerChain) {
                ct state established,related accept
                meta nfproto ipv6 counter drop
                ip saddr vmap @by_source
                iifname "\(allowListBridge)" counter drop
                oifname "\(isolatedBridge)" counter drop
                ip daddr 169.254.0.0/16 counter drop
            }
            chain to_host {
                ct state established,related accept
                meta nfproto ipv6 counter drop
                ip saddr vmap @by_source
                counter drop
            }
        }

        """
    }

    static func chain(of sandboxID: String) -> String { "s_\(sandboxID)" }

    /// Whether `text` can be a sandbox's id in a script or a path: hex, as the engine makes them.
    /// An id comes from a container's label on an attached sandbox, which anyone with the daemon
    /// may have written: nothing else reaches nft or the file system.
    static func isSandboxID(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
    /// The addresses and ports the guard learned for the sandbox, and the addresses whose web ports go to its proxy.
    static func learnedSet(of sandboxID: String) -> String { "l_\(sandboxID)" }
    static func webSet(of sandboxID: String) -> String { "w_\(sandboxID)" }
    static func webChain(of sandboxID: String) -> String { "n_\(sandboxID)" }
    /// Where its denials go: recorded, then dropped.
    static func refuseChain(of sandboxID: String) -> String { "r_\(sandboxID)" }

    /// The sandbox at `address` gets its chain for `policy`, and on an allow-list its learned sets
    /// and web chain, made anew; then it is mapped. A stale mapping of the same address (a container
    /// removed behind our back) must be gone first: ``unmapScripts(_:)``.
    func admitScript(sandboxID: String, address: IPv4Address, gateway: IPv4Address, policy: NetworkPolicy) -> String {
        var lines: [String] = []
        if policy.isAllowList {
            let learned = Self.learnedSet(of: sandboxID), web = Self.webSet(of: sandboxID), webChain = Self.webChain(of: sandboxID)
            lines += [
                "add set inet \(Self.table) \(learned) { type ipv4_addr . inet_service; flags interval, timeout; }",
                "flush set inet \(Self.table) \(learned)",
                "add set inet \(Self.table) \(web) { type ipv4_addr; flags timeout; }",
                "flush set inet \(Self.table) \(web)",
                "add chain inet \(Self.table) \(webChain)", "flush chain inet \(Self.table) \(webChain)",
                "add rule inet \(Self.table) \(webChain) tcp dport 80 ip daddr @\(web) dnat ip to \(gateway):\(EgressGuard.httpPort)",
                "add rule inet \(Self.table) \(webChain) tcp dport 443 ip daddr @\(web) dnat ip to \(gateway):\(EgressGuard.tlsPort)",
            ]
            // A name given its address by --add-host is never looked up (the sandbox's /etc/hosts
            // has it): its web ports go through the proxy from the start, for good.
            let aliased = policy.webAliases()
            if !aliased.isEmpty { lines.append("add element inet \(Self.table) \(web) { \(aliased.map(\.description).joined(separator: ", ")) }") }
        }
        lines += chainLines(sandboxID: sandboxID, gateway: gateway, policy: policy)
        lines.append("add element inet \(Self.table) by_source { \(address) : jump \(Self.chain(of: sandboxID)) }")
        if policy.isAllowList {
            lines.append("add element inet \(Self.table) web_by_source { \(address) : jump \(Self.webChain(of: sandboxID)) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sandbox's chain rebuilt for a changed policy, in one transaction (its learned sets kept).
    func changeScript(sandboxID: String, gateway: IPv4Address, policy: NetworkPolicy) -> String {
        chainLines(sandboxID: sandboxID, gateway: gateway, policy: policy).joined(separator: "\n") + "\n"
    }

    /// `s_<id>`: denials first (to `r_<id>`, which records and drops), then what is allowed; on an
    /// allow-list everything else is refused, on the isolated bridge the default isolation is
    /// refused here too (so it is recorded as the sandbox's) and the rest returns to the base chain.
    private func chainLines(sandboxID: String, gateway: IPv4Address, policy: NetworkPolicy) -> [String] {
        let chain = Self.chain(of: sandboxID), refuse = Self.refuseChain(of: sandboxID)
        let prefix = "add rule inet \(Self.table) \(chain)"
        var lines = [
            "add chain inet \(Self.table) \(refuse)", "flush chain inet \(Self.table) \(refuse)",
            // Denials go to the egress guard (PacketLog), at a bounded rate: a flood costs nothing more.
            "add rule inet \(Self.table) \(refuse) limit rate 20/second burst 40 packets log prefix \"\(chain)\" group \(PacketLog.group)",
            "add rule inet \(Self.table) \(refuse) counter drop",
            "add chain inet \(Self.table) \(chain)", "flush chain inet \(Self.table) \(chain)",
        ]
        func matches(_ rule: ResolvedRule) -> [String] {
            let destination = "ip daddr \(rule.network)"
            guard let port = rule.port else { return [destination] }
            return ["\(destination) tcp dport \(port)", "\(destination) udp dport \(port)"]
        }
        lines += policy.resolvedDenials().flatMap(matches).map { "\(prefix) \($0) goto \(refuse)" }
        if policy.isAllowList {
            let guardPorts = "{ 53, \(EgressGuard.httpPort), \(EgressGuard.tlsPort) }"
            lines.append("\(prefix) ip daddr \(gateway) tcp dport \(guardPorts) accept")
            lines.append("\(prefix) ip daddr \(gateway) udp dport 53 accept")
            lines.append("\(prefix) ip daddr . th dport @\(Self.learnedSet(of: sandboxID)) accept")
        }
        let allowed = policy.isAllowList ? policy.resolved() : policy.resolvedExceptions()
        lines += allowed.flatMap(matches).map { "\(prefix) \($0) accept" }
        if policy.isAllowList {
            lines.append("\(prefix) goto \(refuse)")
        } else {
            lines.append("\(prefix) fib daddr type local goto \(refuse)")
            lines.append("\(prefix) oifname \"\(isolatedBridge)\" goto \(refuse)")
            lines.append("\(prefix) ip daddr 169.254.0.0/16 goto \(refuse)")
        }
        return lines
    }

    /// Two transactions: either element may be missing (a half-made admission). `allowList`:
    /// what the admission made (an isolated sandbox has no web mapping), nil when not known.
    static func unmapScripts(_ address: IPv4Address, allowList: Bool? = nil) -> [String] {
        ["delete element inet \(table) by_source { \(address) }\n"]
            + (allowList == false ? [] : ["delete element inet \(table) web_by_source { \(address) }\n"])
    }

    /// Whether `address` is mapped to `sandboxID`'s chain (not to another sandbox's that got the
    /// address since).
    static func maps(_ address: IPv4Address, to sandboxID: String) -> Bool {
        let (status, output) = run(["get", "element", "inet", table, "by_source", "{ \(address) }"], input: nil)
        return status == 0 && output.contains("jump \(chain(of: sandboxID))")
    }

    /// The addresses `by_source` maps to `sandboxID`'s chain (a container gone has no address to
    /// ask Docker for; its mapping is found here).
    static func addresses(of sandboxID: String) -> [IPv4Address] {
        let (status, output) = run(["list", "map", "inet", table, "by_source"], input: nil)
        guard status == 0 else { return [] }
        let target = "jump \(chain(of: sandboxID))"
        return output.split(whereSeparator: { $0 == "{" || $0 == "}" || $0 == "," || $0 == "\n" }).compactMap { element in
            let parts = element.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[1].trimmingCharacters(in: .whitespaces) == target else { return nil }
            return IPv4Address(parsing: parts[0].trimmingCharacters(in: .whitespaces))
        }
    }

    /// The ids of the sandboxes that have a chain in the table.
    static func sandboxIDs() -> [String] {
        let (status, output) = run(["list", "chains", "inet"], input: nil)
        guard status == 0 else { return [] }
        return output.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "chain", words[1].hasPrefix("s_") else { return nil }
            return String(words[1].dropFirst(2))
        }
    }

    /// Its chains, then its sets (which the chains refer to), each in a transaction of its own;
    /// `allowList` as for ``unmapScripts(_:allowList:)``.
    static func deleteScripts(sandboxID: String, allowList: Bool? = nil) -> [String] {
        let always = ["delete chain inet \(table) \(chain(of: sandboxID))\n", "delete chain inet \(table) \(refuseChain(of: sandboxID))\n"]
        return always + (allowList == false ? [] : [
            "delete chain inet \(table) \(webChain(of: sandboxID))\n",
            "delete set inet \(table) \(learnedSet(of: sandboxID))\n", "delete set inet \(table) \(webSet(of: sandboxID))\n",
        ])
    }

    // MARK: Running nft

    /// Where nft is, or nil.
    static let nft: String? = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Why this process cannot set the host's firewall, or nil when it can.
    static var unavailable: String? {
        if nft == nil { return "nft (nftables) is not installed on this host" }
        if geteuid() != 0 { return "setting the host's firewall needs root (nft); this process runs as uid \(geteuid())" }
        return nil
    }

    /// Runs `script` through `nft -f -` in one transaction; the error is nft's own message.
    static func apply(_ script: String) throws(FirewallError) {
        let (status, output) = run(["-f", "-"], input: script)
        guard status == 0 else { throw FirewallError(message: output.isEmpty ? "nft exited with \(status)" : output) }
    }

    /// The version of the table in place (its marker chain's number), 0 for a table without one,
    /// nil for none.
    static func installedVersion() -> Int? {
        let (status, output) = run(["list", "chains", "inet"], input: nil)
        guard status == 0 else { return nil }
        var inTable = false, version: Int?
        for line in output.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.first == "table" { inTable = words.count >= 3 && words[2] == Substring(table) }
            if inTable, words.first == "chain", words.count >= 2, words[1].hasPrefix("egress_v") {
                version = max(version ?? 0, Int(words[1].dropFirst("egress_v".count)) ?? 0)
            } else if inTable, version == nil {
                version = 0
            }
        }
        return version
    }

    /// nft with `arguments`, `input` on its stdin; its status and what it printed (stdout and
    /// stderr together, at most 16 KiB). posix_spawn, not Foundation's Process, as elsewhere.
    private static func run(_ arguments: [String], input: String?) -> (Int32, String) {
        guard let nft else { return (127, "nft is not installed") }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0 else { return (126, "cannot make a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&outPipe) == 0 else {
            inPipe.forEach { close($0) }
            return (126, "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        let argv = ([nft] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, nft, &actions, nil, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        guard spawned == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            return (127, "cannot run nft: \(String(cString: strerror(spawned)))")
        }
        // The script is small and nft reads all of it before it answers: write, then read.
        if let input {
            var bytes = Array(input.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { write(inPipe[1], $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                bytes = bytes.dropFirst(n)
            }
        }
        close(inPipe[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(outPipe[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count < 16 * 1024 { output += buffer.prefix(n) }
        }
        close(outPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// nft refused a script: its message.
struct FirewallError: Error, Sendable, CustomStringConvertible {
    let message: String
    var description: String { "the host's firewall (nft) refused the rules: \(message)" }
}
