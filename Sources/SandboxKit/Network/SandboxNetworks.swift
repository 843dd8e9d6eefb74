import DockerEngine
import Foundation
import Synchronization

/// How a sandbox's network is kept in, recorded on its container (``SandboxLabel/isolation``).
public enum Isolation: String, Sendable, Codable, CaseIterable {
    /// The internet, but not the host, the metadata address or another sandbox.
    case isolated
    /// Only what its `--allow` rules name.
    case allowList = "allow-list"
    /// No network at all.
    case offline
    /// On the daemon's default bridge, as plain `docker run`: this engine cannot enforce isolation.
    case open
}

/// Where a new sandbox's network goes, decided before it is created.
struct NetworkPlacement: Sendable {
    var isolation: Isolation
    /// `HostConfig.NetworkMode`: our bridge's network, `none`, or nil for the daemon's default.
    var networkMode: String?
    /// Why an open sandbox is open (said at creation, on its row, by `sandbox doctor`).
    var openReason: String?
}

/// The engine's two bridges and the host firewall over them (``HostFirewall``). Isolation needs a
/// daemon whose bridges are in this host's network namespace (a local Docker; its bridge device is
/// looked for, not assumed) and a process allowed to run nft. Where either is missing, a sandbox
/// with no rules is made open and says so; one with rules is refused: a policy never falls back to open.
enum SandboxNetworks {
    static let isolatedNetwork = "sandbox-net-isolated"
    static let allowListNetwork = "sandbox-net-allowlist"
    static let firewall = HostFirewall(isolatedBridge: "sbx-iso", allowListBridge: "sbx-allow")
    /// The base rules were seen in place this recently (by host): checked again past it, since
    /// anything on the host may flush the ruleset.
    private static let verified = Mutex<[String: ContinuousClock.Instant]>([:])
    private static let recheck: Duration = .seconds(1)
    /// The setup under way, by host: a burst of creations waits for one instead of racing it.
    private static let inFlight = Mutex<[String: Task<String?, Never>]>([:])

    static func placement(network: NetworkMode, policy: NetworkPolicy, client: DockerClient) async throws -> NetworkPlacement {
        if network == .none {
            guard !policy.isAllowList else {
                throw SandboxError.invalidArgument("--allow needs a network: drop --no-network, or the rules")
            }
            return NetworkPlacement(isolation: .offline, networkMode: "none")
        }
        if let reason = await unenforceable(client) {
            if policy.isAllowList { throw SandboxError.policyUnenforceable(engine: client.host.description, reason: reason) }
            return NetworkPlacement(isolation: .open, networkMode: nil, openReason: reason)
        }
        return policy.isAllowList
            ? NetworkPlacement(isolation: .allowList, networkMode: allowListNetwork)
            : NetworkPlacement(isolation: .isolated, networkMode: isolatedNetwork)
    }

    /// Why isolation cannot be enforced on `client`'s engine, or nil once the networks and the base
    /// rules are in place.
    static func unenforceable(_ client: DockerClient) async -> String? {
        guard case .unix = client.host else {
            return "the engine at \(client.host) is reached over the network: its bridges may be another machine's, out of this host's firewall's reach"
        }
        if let reason = HostFirewall.unavailable { return reason }
        let key = client.host.description
        if let at = verified.withLock({ $0[key] }), ContinuousClock.now - at < recheck { return nil }
        let task = inFlight.withLock { running in
            if let task = running[key] { return task }
            let task = Task { await setUp(client, key: key) }
            running[key] = task
            return task
        }
        let reason = await task.value
        inFlight.withLock { running in if running[key] == task { running[key] = nil } }
        return reason
    }

    private static func setUp(_ client: DockerClient, key: String) async -> String? {
        do {
            if try await client.version().product.contains("Podman") {
                return "Podman's bridges are made by netavark, which the engine does not drive yet"
            }
            for (name, bridge) in [(isolatedNetwork, firewall.isolatedBridge), (allowListNetwork, firewall.allowListBridge)] {
                try await ensureNetwork(name, bridge: bridge, client: client)
                // A daemon elsewhere (in a VM, say) has no such device here: rules on this host
                // would hold nothing.
                guard FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)") else {
                    return "the engine's bridge \(bridge) is not in this host's network namespace (a daemon in a VM?)"
                }
            }
            guard let gateway = try await client.inspectNetwork(allowListNetwork)?.gatewayAddresses.first.flatMap(IPv4Address.init(parsing:)) else {
                return "the network \(allowListNetwork) has no IPv4 gateway"
            }
            try ensureBaseRules(gateway: gateway)
            gateways.withLock { $0[key] = gateway }
            verified.withLock { $0[key] = .now }
            return nil
        } catch {
            return "\(SandboxError.wrap(error))"
        }
    }

    private static func ensureNetwork(_ name: String, bridge: String, client: DockerClient) async throws {
        if let existing = try await client.inspectNetwork(name) {
            guard existing.options?["com.docker.network.bridge.name"] == bridge else {
                throw SandboxError.commandFailed("a network named \(name) exists but is not the engine's (its bridge is not \(bridge)); remove it")
            }
            return
        }
        var create = NetworkCreate(name: name)
        create.options = ["com.docker.network.bridge.name": bridge]
        create.labels = [SandboxLabel.managed: "true"]
        do {
            _ = try await client.createNetwork(create)
        } catch DockerError.conflict {
            // Made meanwhile by another process of ours.
        }
    }

    /// Makes the base rules, or replaces an older version's; never a newer one's, which would drop
    /// what it does not know of ours (and ours, its).
    private static func ensureBaseRules(gateway: IPv4Address) throws {
        switch HostFirewall.installedVersion() {
        case HostFirewall.version?: return
        case let newer? where newer > HostFirewall.version:
            throw FirewallError(message: "a newer sandbox (firewall version \(newer)) manages table inet \(HostFirewall.table); "
                + "this one (version \(HostFirewall.version)) cannot enforce isolation beside it: upgrade it")
        case let older:
            try HostFirewall.apply(firewall.baseScript(replacing: older != nil, gateway: gateway))
        }
    }

    /// The allow-list bridge's address on each host whose setup succeeded.
    private static let gateways = Mutex<[String: IPv4Address]>([:])

    // MARK: Admitting a sandbox

    /// The allow-list bridge's address, once ``unenforceable(_:)`` set things up on `client`.
    static func gateway(_ client: DockerClient) -> IPv4Address? { gateways.withLock { $0[client.host.description] } }

    /// Gives the sandbox at `address` its rules (after its start, before its first command), and
    /// tells the egress guard (started if it is not running, to record denials and, on an
    /// allow-list, answer its lookups) what it may reach.
    static func admit(sandboxID: String, name: String, address: IPv4Address, policy: NetworkPolicy, client: DockerClient) throws {
        guard HostFirewall.isSandboxID(sandboxID) else { throw FirewallError(message: "'\(sandboxID)' is not a sandbox id") }
        guard let gateway = gateway(client) else { throw FirewallError(message: "the allow-list network is not set up") }
        try NetworkState(sandboxID: sandboxID, name: name, policy: policy).write(for: address)
        // An allow-list's lookups need the guard; an isolated sandbox's denials are only recorded by it.
        if policy.isAllowList { try EgressGuardProcess.ensure(gateway: gateway) } else { try? EgressGuardProcess.ensure(gateway: gateway) }
        // One transaction, one nft; only when the address is still mapped to a sandbox removed
        // behind our back does the mapping fail, and the stale one is taken away first.
        let script = firewall.admitScript(sandboxID: sandboxID, address: address, gateway: gateway, policy: policy)
        do { try HostFirewall.apply(script) } catch {
            for script in HostFirewall.unmapScripts(address) { try? HostFirewall.apply(script) }
            try HostFirewall.apply(script)
        }
    }

    /// The sandbox at `address` gets `policy` from now on: its chain rebuilt in one transaction,
    /// and on a denial its learned addresses forgotten (what a denied name resolved to is looked up
    /// again, and refused). Returns once the kernel has the new rules.
    static func change(sandboxID: String, address: IPv4Address, to policy: NetworkPolicy, client: DockerClient) throws -> NetworkPolicy {
        guard HostFirewall.isSandboxID(sandboxID) else { throw SandboxError.invalidArgument("'\(sandboxID)' is not a sandbox id") }
        guard let state = NetworkState.read(address), state.sandboxID == sandboxID, HostFirewall.maps(address, to: sandboxID) else {
            throw SandboxError.invalidArgument("its network rules are not on this host's firewall (made elsewhere, or by another engine)")
        }
        guard state.policy.isAllowList == policy.isAllowList else {
            throw SandboxError.invalidArgument(state.policy.isAllowList
                ? "that would leave its allow-list empty, which would open it: deny it instead, or stop the sandbox"
                : "an isolated sandbox has no allow-list to add to; make one with `new --allow`, or allow an address or CIDR")
        }
        if !policy.isAllowList, let name = (policy.exceptions + policy.deny).first(where: { if case .name = $0.destination { true } else { false } }) {
            throw SandboxError.invalidArgument("\(name): an isolated sandbox looks names up itself; give an address or CIDR (names are for allow-lists)")
        }
        guard let gateway = gateway(client) else { throw FirewallError(message: "the allow-list network is not set up") }
        var script = firewall.changeScript(sandboxID: sandboxID, gateway: gateway, policy: policy)
        if policy.isAllowList, policy.deny.count > state.policy.deny.count {
            script += "flush set inet \(HostFirewall.table) \(HostFirewall.learnedSet(of: sandboxID))\n"
            script += "flush set inet \(HostFirewall.table) \(HostFirewall.webSet(of: sandboxID))\n"
        }
        try NetworkState(sandboxID: sandboxID, name: state.name, policy: policy).write(for: address)
        try HostFirewall.apply(script)
        return policy
    }

    /// The policy in force for the sandbox at `address`, as the host's firewall has it.
    static func current(sandboxID: String, address: IPv4Address) -> NetworkPolicy? {
        NetworkState.read(address).flatMap { $0.sandboxID == sandboxID ? $0.policy : nil }
    }

    /// Takes the rules away again (the container is gone), found by the sandbox's id alone: the
    /// addresses mapped to it, its state there, its chains and sets. A missing piece is no error,
    /// and an address another sandbox has been given since is left to it.
    /// `address` and `allowList`: where it was admitted and under which kind of policy, when the
    /// caller knows; else the table is asked, and everything either kind makes is deleted.
    static func release(sandboxID: String, address known: IPv4Address? = nil, allowList: Bool? = nil) {
        guard HostFirewall.unavailable == nil, HostFirewall.isSandboxID(sandboxID) else { return }
        let addresses = known.map { [$0] } ?? HostFirewall.addresses(of: sandboxID)
        for address in addresses { NetworkState.remove(address, sandboxID: sandboxID) }
        // One nft for all of it when everything is there (the usual case: each nft reads the whole
        // table, 100 sandboxes stopping at once ran 800); else one by one, each missing piece
        // failing alone.
        let scripts = addresses.flatMap { HostFirewall.unmapScripts($0, allowList: allowList) }
            + HostFirewall.deleteScripts(sandboxID: sandboxID, allowList: allowList)
        if (try? HostFirewall.apply(scripts.joined())) == nil {
            for script in scripts { try? HostFirewall.apply(script) }
        }
    }

    /// Releases what is left of sandboxes that no longer exist (removed behind the engine's back:
    /// `docker rm`, a daemon reset); `existing`: the ids of those that do. Returns how many.
    static func sweep(keeping existing: Set<String>) -> Int {
        guard HostFirewall.unavailable == nil else { return 0 }
        let gone = Set(HostFirewall.sandboxIDs()).subtracting(existing)
        gone.forEach { release(sandboxID: $0) }
        return gone.count
    }
}
