import DockerEngine
import Foundation

/// A long-lived container to run commands and edit files in. Nothing starts until the first
/// operation that needs the container (or an explicit ``start()``).
///
/// ```swift
/// let sandbox = DockerSandbox(image: "python:3.12-slim")
/// try await sandbox.write("/workspace/app.py", source)
/// let result = try await sandbox.execute("python /workspace/app.py")
/// ```
public actor DockerSandbox {
    /// The longest `execute` output kept; the rest is dropped and `truncated` set.
    public static let outputLimit = 100_000
    /// The largest file `read`/`readData`/`edit` will fetch.
    public static let readLimit = 64 * 1024 * 1024

    public nonisolated let image: String?
    public nonisolated let runtime: RuntimeReference?
    public nonisolated let volumes: [String: String]
    public nonisolated let workDir: String
    public nonisolated let environment: [String: String]
    public nonisolated let labels: [String: String]
    public nonisolated let memoryLimit: String?
    public nonisolated let cpuLimit: Double?
    public nonisolated let network: NetworkMode
    /// Where it may connect to (``NetworkPolicy/isolated`` unless `--allow` rules are given).
    public nonisolated let policy: NetworkPolicy
    public nonisolated let security: SecurityProfile
    /// Whom its commands, shells and jobs run as; nil: the image's own user (root unless its
    /// USER says otherwise).
    public nonisolated let user: SandboxUser?
    public nonisolated let createdBy: Creator
    /// The sandbox's identity, stable across restarts (the container id changes).
    public nonisolated let sandboxID: String
    /// The container name; generated from the image or runtime when not given.
    public nonisolated let name: String

    let client: DockerClient?
    let runtimes: RuntimeRegistry
    private var state: State = .idle
    private var buildProgress: @Sendable (BuildProgress) -> Void = { _ in }
    private var rebuildRuntime = false
    /// OOM kills seen in this container so far, to tell a new one from an old one.
    private var oomKillsSeen = 0
    /// The runner of the current container (Runner.swift), and how often something in the sandbox ended it.
    var runner: RunnerSlot?
    var runnerLosses = 0
    /// The container we bind-mounted our runner into: nothing to place or check there.
    var runnerMounted: String?
    /// Where the host's firewall knows the current container (its rules go with it at the stop).
    private var admitted: IPv4Address?
    /// ``user`` as its container has it (DockerSandbox+User.swift).
    var resolvedAccount: SandboxAccount?

    /// The image used when neither an image nor a runtime is given (`SANDBOX_DEFAULT_IMAGE` overrides it).
    public static var defaultImage: String {
        ProcessInfo.processInfo.environment["SANDBOX_DEFAULT_IMAGE"].flatMap { $0.isEmpty ? nil : $0 } ?? "python:3.12-slim"
    }

    enum State {
        case idle
        case starting(Task<String, any Error>)
        case running(String)
        case lost(String, detail: String)
    }

    /// Defaults as in the Python library: `/workspace`, network on; plus hardening (see ``SecurityProfile``).
    public init(
        image: String? = nil, runtime: RuntimeReference? = nil, volumes: [String: String] = [:],
        workDir: String? = nil, environment: [String: String] = [:], labels: [String: String] = [:],
        name: String? = nil, memoryLimit: String? = "2g", cpuLimit: Double? = nil, network: NetworkMode = .on,
        policy: NetworkPolicy = .isolated, security: SecurityProfile = .hardened, user: SandboxUser? = nil, createdBy: Creator = .library,
        client: DockerClient? = nil, runtimes: RuntimeRegistry = .standard
    ) {
        self.image = image
        self.runtime = runtime
        self.volumes = volumes
        self.environment = environment
        self.labels = labels
        self.memoryLimit = memoryLimit
        self.cpuLimit = cpuLimit
        self.network = network
        self.policy = runtimes.policy(of: runtime, adding: policy)
        self.security = security
        self.user = user ?? runtimes.user(of: runtime)
        self.createdBy = createdBy
        self.client = client
        self.runtimes = runtimes
        let id = Self.newID()
        self.sandboxID = id
        self.name = name ?? "\(Self.namePrefix(image: image, runtime: runtime))-\(id.prefix(4))"
        let runtimeWorkDir: String? = if case .config(let config) = runtime { config.workDir } else { nil }
        self.workDir = workDir ?? runtimeWorkDir ?? runtimes.workDir(of: runtime) ?? "/workspace"
    }

    /// A sandbox given a runtime spelled out in full.
    public init(runtime: RuntimeConfig, volumes: [String: String] = [:], name: String? = nil, createdBy: Creator = .library) {
        self.init(runtime: .config(runtime), volumes: volumes, workDir: runtime.workDir, name: name, createdBy: createdBy)
    }

    /// A sandbox configured like `template` under another name, with extra labels; given a running
    /// container (a pool's, started from the same configuration), it adopts it instead of starting one.
    init(like template: DockerSandbox, name: String, extraLabels: [String: String] = [:],
         adopting container: (id: String, sandboxID: String)? = nil) {
        self.image = template.image
        self.runtime = template.runtime
        self.volumes = template.volumes
        self.workDir = template.workDir
        self.environment = template.environment
        self.labels = template.labels.merging(extraLabels) { $1 }
        self.memoryLimit = template.memoryLimit
        self.cpuLimit = template.cpuLimit
        self.network = template.network
        self.policy = template.policy
        self.security = template.security
        self.user = template.user
        self.createdBy = template.createdBy
        self.client = template.client
        self.runtimes = template.runtimes
        self.name = name
        self.sandboxID = container?.sandboxID ?? Self.newID()
        if let container { self.state = .running(container.id) }
    }

    /// Everything that decides what container this sandbox gets, but its name: sandboxes with the
    /// same spec are interchangeable, which is what lets a pool hand out one started earlier.
    nonisolated var spec: SandboxSpec {
        SandboxSpec(image: image, runtime: runtime, volumes: volumes, workDir: workDir, environment: environment, labels: labels,
                    memoryLimit: memoryLimit, cpuLimit: cpuLimit, network: network, policy: policy, security: security, user: user,
                    createdBy: createdBy)
    }

    /// Wraps a container that already runs (found by ``SandboxEngine``).
    init(attachedTo container: ContainerInspect, client: DockerClient) {
        let labels = container.config.labels ?? [:]
        let settings = LabelledSettings(container)
        self.image = container.config.image
        self.runtime = settings.runtime.map { .named($0) }
        self.volumes = [:]
        self.workDir = settings.workDir
        self.environment = [:]
        self.labels = labels
        self.memoryLimit = nil
        self.cpuLimit = nil
        self.network = settings.network
        self.policy = settings.policy
        self.security = .hardened
        self.user = settings.user.flatMap { try? SandboxUser(parsing: $0) }
        self.createdBy = labels[SandboxLabel.creator].flatMap(Creator.init) ?? .library
        self.client = client
        self.runtimes = .standard
        self.sandboxID = labels[SandboxLabel.id] ?? String(container.id.prefix(12))
        self.name = container.name.hasPrefix("/") ? String(container.name.dropFirst()) : container.name
        self.state = container.state.running ? .running(container.id) : .lost(container.id, detail: "it has exited")
    }

    // MARK: Lifecycle

    deinit { runner?.close() }

    /// Starts the container now instead of on first use. A no-op when it is running; after the
    /// container was lost (killed from outside), it removes the remains and starts a fresh one.
    public func start() async throws {
        if case .lost(let id, _) = state {
            await releaseRules()
            try? await docker().removeContainer(id)
            state = .idle
        }
        _ = try await containerID()
    }

    /// Takes its rules off the host's firewall while its container still holds its address (so no
    /// other sandbox can have been given it yet); without them it reaches less, never more.
    private func releaseRules() async {
        guard network == .on else { return }
        let allowList = admitted == nil ? nil : policy.isAllowList  // a live change keeps the kind
        _ = try? await FirewallWork.run { [sandboxID, admitted] in
            SandboxNetworks.release(sandboxID: sandboxID, address: admitted, allowList: allowList)
        }
        admitted = nil
    }

    /// Kills and removes the container at once (no stop grace period). Host volumes keep their
    /// files. A later operation starts a fresh container.
    public func stop() async throws {
        let id: String?
        switch state {
        case .idle: return
        case .starting(let task): id = try? await task.value
        case .running(let running): id = running
        case .lost(let lost, _): id = lost
        }
        state = .idle
        runner?.close()
        runner = nil
        if let id {
            await releaseRules()
            do { try await docker().removeContainer(id) } catch {
                // Still there as far as we know: a later stop() tries again.
                if case .idle = state { state = .lost(id, detail: "removing it failed: \(error)") }
                throw SandboxError.wrap(error)
            }
        }
    }

    /// True when the container exists and is running. Never throws: an unreachable daemon is `false`.
    public func isAlive() async -> Bool {
        guard case .running(let id) = state else { return false }
        guard let inspect = try? await docker().inspectContainer(id) else { return false }
        return inspect.state.running
    }

    /// The id of the running container, starting it if needed.
    func containerID() async throws -> String {
        switch state {
        case .running(let id):
            return id
        case .starting(let task):
            return try await task.value
        case .lost(_, let detail):
            throw SandboxError.containerGone(name: name, detail: detail)
        case .idle:
            let task = Task { try await self.createContainer() }
            state = .starting(task)
            oomKillsSeen = 0
            do {
                let id = try await task.value
                if case .starting = state { state = .running(id) }
                return id
            } catch {
                if case .starting = state { state = .idle }
                throw SandboxError.wrap(error)
            }
        }
    }

    /// Inspects the container after a failure and, if it is gone or stopped, records that and
    /// returns the error to throw instead of the raw one.
    func explainFailure(_ error: any Error, container id: String) async -> any Error {
        if error is CancellationError { return error }
        if let sandboxError = error as? SandboxError, case .containerGone = sandboxError { return error }
        let inspect: ContainerInspect
        do {
            inspect = try await docker().inspectContainer(id)
        } catch DockerError.notFound {
            return markLost(id, detail: "its container was removed")
        } catch {
            return SandboxError.wrap(error)
        }
        if inspect.state.running { return SandboxError.wrap(error) }
        let detail = inspect.state.oomKilled ? "it ran out of memory" : "it was stopped or killed (exit code \(inspect.state.exitCode))"
        return markLost(id, detail: detail)
    }

    private func markLost(_ id: String, detail: String) -> SandboxError {
        if case .running(let current) = state, current == id { state = .lost(id, detail: detail) }
        return .containerGone(name: name, detail: detail)
    }

    func docker() throws -> DockerClient {
        if let client { return client }
        do { return try DockerClient.shared() } catch { throw SandboxError.wrap(error) }
    }

    /// Records the container's OOM-kill count; true when it rose.
    func recordOOMKills(_ count: Int) -> Bool {
        defer { oomKillsSeen = max(oomKillsSeen, count) }
        return count > oomKillsSeen
    }

    /// Receives the progress of a runtime image build triggered by starting this sandbox.
    public func onBuildProgress(_ handler: @escaping @Sendable (BuildProgress) -> Void) { buildProgress = handler }

    /// Builds the runtime image anew on next start even when a cached one matches.
    public func setRebuild(_ rebuild: Bool) { rebuildRuntime = rebuild }

    // MARK: Creating the container

    private func resolveImage(_ client: DockerClient) async throws -> ResolvedImage {
        guard let runtime else { return ResolvedImage(image: image ?? Self.defaultImage, env: [:]) }
        let config = try runtimes.resolve(runtime)
        if let ready = image ?? config.image { return ResolvedImage(image: ready, env: config.envVars, runtimeName: config.name) }
        let tag = try await RuntimeImage.ensure(config, client: client, rebuild: rebuildRuntime, progress: buildProgress)
        return ResolvedImage(image: tag, env: [:], runtimeName: config.name)
    }

    private func createContainer() async throws -> String {
        let client = try docker()
        let resolved = try await resolveImage(client)
        let placement = try await SandboxNetworks.placement(network: network, policy: policy, client: client)
        var config = ContainerConfig(image: resolved.image, cmd: ["sleep", "infinity"])
        config.workingDir = workDir
        config.env = (resolved.env.merging(environment) { $1 }).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        config.labels = labels.merging([
            SandboxLabel.managed: "true",
            SandboxLabel.id: sandboxID,
            SandboxLabel.image: resolved.image,
            SandboxLabel.creator: createdBy.rawValue,
            SandboxLabel.workDir: workDir,
        ]) { $1 }
        if labels[SnapshotLabel.from] != nil || resolved.image.hasPrefix(Snapshot.repository + ":") {
            for key in SnapshotLabel.notInherited where config.labels[key] == nil { config.labels[key] = "" }
        }
        if let runtimeName = resolved.runtimeName { config.labels[SandboxLabel.runtime] = runtimeName }
        config.labels[SandboxLabel.isolation] = placement.isolation.rawValue
        if let reason = placement.openReason {
            config.labels[SandboxLabel.openReason] = reason
            Self.logger(client).notice("sandbox \(name) is not isolated from the host's network: \(reason)")
        }
        if policy != .isolated { config.labels[SandboxLabel.policy] = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self) }
        if let user {
            config.labels[SandboxLabel.user] = user.description
            config.user = "0:0"  // the runner, which switches to the user for what it runs
        }
        config.hostConfig = try hostConfig()
        config.hostConfig.networkMode = placement.networkMode
        config.hostConfig.extraHosts = policy.hosts.map { "\($0.name):\($0.address)" }
        if placement.isolation == .allowList, let gateway = SandboxNetworks.gateway(client) { config.hostConfig.dns = [gateway.description] }

        // The runner is the container's own command, so an image needs no `sleep` (distroless),
        // and it serves this process's first session on the container's stdin and stdout,
        // attached before the start: the first command goes out at its greeting, with no exec.
        // Its frames must not pile up in the container's log, hence no log at all.
        // On a daemon on this machine it is bind-mounted, read-only: nothing to copy, and nothing
        // in the sandbox can replace it. A daemon elsewhere (TLS, ssh) gets it copied into the
        // created container (one archive upload, before the start); a daemon that cannot see our
        // file (in a VM, say) refuses the mount. Either refusal leaves the plain container, whose
        // runner is placed after the start.
        let idle = config
        let local: Bool = if case .unix = client.host { true } else { false }
        var serves = false
        var toCopy: Data?  // the runner, for a daemon elsewhere
        if case .success(let runner) = RunnerBinary.located, await RunnerBinary.runs(on: client) {
            if local {
                config.hostConfig.mounts.append(.init(source: runner.path, target: RunnerBinary.containerPath, readOnly: true))
            } else {
                toCopy = runner.data
            }
            // The runner is the container's PID 1 (runner/init.c), out of its commands' reach, and
            // reaps orphans itself: no Docker init (nor Podman's catatonit).
            config.cmd = [RunnerBinary.containerPath, "init", "serve"]
            config.hostConfig.initProcess = false
            (config.openStdin, config.stdinOnce) = (true, true)  // our attach ending closes it: the session ends
            config.hostConfig.logConfig = .init(type: "none")
            serves = true
        }
        var id: String
        do {
            id = try await create(config, client: client, image: resolved.image)
        } catch let error as DockerError where local && serves && error.refusal == .bindSourceMissing {
            id = try await create(idle, client: client, image: resolved.image)
            serves = false
        }
        if serves, let toCopy {
            do {
                try await Self.copyRunner(toCopy, into: id, client: client)
            } catch {
                let refused = SandboxError.wrap(error)
                Self.logger(client).info("sandbox \(name): the runner could not be copied into the created container (\(refused)); it is placed after the start")
                // The name is ours again only once that container is gone: else say why it is not.
                if let error = await Leftovers.remove(id, client: client) {
                    throw SandboxError.commandFailed("could not create \(name): copying the runner into it failed (\(refused)), and removing that container failed too (\(SandboxError.wrap(error)))")
                }
                id = try await create(idle, client: client, image: resolved.image)
                serves = false
            }
        }
        runnerMounted = serves && local ? id : nil
        if let user {
            do {
                resolvedAccount = try await Self.makeAccount(user, in: id, workDir: workDir, volumeTargets: Array(volumes.values), client: client)
            } catch {
                await Leftovers.remove(id, client: client)
                throw error
            }
        }
        let attached = serves ? await attachRunner(to: id, client: client) : nil
        do {
            try await client.startContainer(id)
        } catch {
            attached?.close()
            await Leftovers.remove(id, client: client)
            throw SandboxError.commandFailed("could not start \(name) from \(resolved.image): \(SandboxError.wrap(error))")
        }
        if placement.isolation == .allowList || placement.isolation == .isolated {
            // Until admitted an allow-list sandbox reaches nothing (its bridge drops what no chain
            // accepts), an isolated one is held by the base rules; a failed admission leaves no
            // container behind.
            do {
                let address = try await Self.address(of: id, client: client)
                try await FirewallWork.run { [sandboxID, name, policy] in
                    try SandboxNetworks.admit(sandboxID: sandboxID, name: name, address: address, policy: policy, client: client)
                }
                admitted = address
            } catch {
                attached?.close()
                await Leftovers.remove(id, client: client)
                throw SandboxError.commandFailed("could not give \(name) its network rules: \(SandboxError.wrap(error))")
            }
        }
        // The runner's session opens while the caller gets on.
        if let attached { adoptAttachedRunner(attached, container: id, client: client) } else { _ = runnerSlot(for: id) }
        return id
    }

    private func create(_ config: ContainerConfig, client: DockerClient, image: String) async throws -> String {
        do {
            return try await client.createContainer(config, name: name)
        } catch let error as DockerError where error.refusal == .noSuchImage {
            try await pull(image, client: client)
            return try await client.createContainer(config, name: name)
        } catch let error as DockerError where error.refusal == .nameInUse {
            throw SandboxError.invalidArgument("a container named \(name) already exists; pick another name")
        } catch let error as DockerError where error.refusal == .initMissing {
            throw SandboxError.initUnavailable(engine: client.host.description, detail: error.daemonMessage ?? "\(error)")
        } catch let error as DockerError where Leftovers.transient(error) {
            // The daemon may have made it before the answer was lost.
            await Leftovers.removeUnanswered(name: name, sandboxID: sandboxID, client: client)
            throw error
        }
    }

    /// A volume as `HOST:CONTAINER` (`--volume`, and the binds its container was made with); nil
    /// for anything else (no options: a `:ro` taken as read-write would be worse than a refusal).
    public static func volume(_ text: String) -> (host: String, container: String)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private func hostConfig() throws -> ContainerConfig.HostConfig {
        var host = ContainerConfig.HostConfig()
        host.initProcess = true
        host.binds = try volumes.sorted { $0.key < $1.key }.map { hostPath, containerPath in
            guard containerPath.hasPrefix("/") else {
                throw SandboxError.invalidArgument("volume target \(containerPath) must be an absolute path in the container")
            }
            let absolute = URL(fileURLWithPath: hostPath).standardizedFileURL.path
            try? FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
            return "\(absolute):\(containerPath)"
        }
        if let memoryLimit {
            guard let bytes = ByteSize.parse(memoryLimit) else {
                throw SandboxError.invalidArgument("memoryLimit '\(memoryLimit)' is not a size such as 512m or 2g")
            }
            host.memory = bytes
            host.memorySwap = bytes  // no swap: a memory hog is killed rather than thrashing
        }
        if let cpuLimit {
            guard cpuLimit.isFinite, cpuLimit > 0, cpuLimit <= 1024, let nanoCPUs = Int64(exactly: (cpuLimit * 1e9).rounded()) else {
                throw SandboxError.invalidArgument("cpuLimit must be a number of CPUs above 0 and at most 1024")
            }
            host.nanoCPUs = nanoCPUs
        }
        if security.noNewPrivileges { host.securityOpt = ["no-new-privileges"] }
        if !security.capabilities.isEmpty {
            host.capDrop = ["ALL"]
            host.capAdd = security.capabilities
        }
        host.pidsLimit = security.pidsLimit
        host.runtime = security.ociRuntime
        return host
    }

    /// The container's IPv4 address on the engine's networks.
    static func address(of id: String, client: DockerClient) async throws -> IPv4Address {
        let networks = try await client.inspectContainer(id).networkSettings?.networks ?? [:]
        let endpoint = networks[SandboxNetworks.allowListNetwork] ?? networks[SandboxNetworks.isolatedNetwork]
        guard let text = endpoint?.ipAddress, let address = IPv4Address(parsing: text) else {
            throw SandboxError.commandFailed("the container has no address on the engine's networks")
        }
        return address
    }

    /// Lets it reach `rule`'s destination from now on (and no longer denies it); the policy now in force.
    public func allow(_ rule: EgressRule) async throws -> NetworkPolicy {
        try await changePolicy { $0.allowing(rule) }
    }

    /// Denies it `rule`'s destination from now on (on an allow-list, no longer allowed); the policy now in force.
    public func deny(_ rule: EgressRule) async throws -> NetworkPolicy {
        try await changePolicy { $0.denying(rule) }
    }

    /// The policy in force now (changed by ``allow(_:)`` and ``deny(_:)`` since it was made).
    public func currentPolicy() async throws -> NetworkPolicy {
        let client = try docker()
        let address = try await Self.address(of: try await containerID(), client: client)
        return SandboxNetworks.current(sandboxID: sandboxID, address: address) ?? policy
    }

    private func changePolicy(_ change: (NetworkPolicy) -> NetworkPolicy) async throws -> NetworkPolicy {
        let client = try docker()
        guard network == .on, await SandboxNetworks.unenforceable(client) == nil else {
            throw SandboxError.invalidArgument("\(name) is not on this host's firewall (no network, or an engine elsewhere)")
        }
        let address = try await Self.address(of: try await containerID(), client: client)
        let current = SandboxNetworks.current(sandboxID: sandboxID, address: address) ?? policy
        do {
            return try SandboxNetworks.change(sandboxID: sandboxID, address: address, to: change(current), client: client)
        } catch let error as FirewallError {
            throw SandboxError.commandFailed("\(error)")
        }
    }

    /// What it was denied on the network, oldest first, from `offset` (the `next` of an earlier
    /// call) on. Recorded on this host by the egress guard for allow-list sandboxes.
    public nonisolated func egressRecords(from offset: UInt64 = 0) -> (records: [EgressRecord], next: UInt64) {
        EgressLog.read(sandboxID: sandboxID, from: offset)
    }

    /// How its network is kept in, as recorded on its container, and why when it is open; nil
    /// before it has one.
    public func isolation() async -> (Isolation, reason: String?)? {
        guard case .running(let id) = state, let labels = try? await docker().inspectContainer(id).config.labels,
              let isolation = labels[SandboxLabel.isolation].flatMap(Isolation.init) else { return nil }
        return (isolation, labels[SandboxLabel.openReason].flatMap { $0.isEmpty ? nil : $0 })
    }

    private func pull(_ image: String, client: DockerClient) async throws {
        do {
            let progress = buildProgress
            try await client.pullImage(image) { message in
                guard let status = message.status else { return }
                progress(BuildProgress(runtime: "pull \(image)", line: [message.id, status, message.progress].compactMap { $0 }.joined(separator: " ")))
            }
        } catch let error as DockerError {
            let detail: String
            switch error {
            case .api(_, let message), .notFound(let message):
                // Registry errors are long Go error chains: keep what failed.
                detail = error.refusal == .registryUnreachable ? "no registry is reachable"
                    : message.count > 200 ? String(message.prefix(200)) + "…" : message
            default: throw error
            }
            throw SandboxError.imageUnavailable(image: image, detail: detail)
        }
    }

    static func newID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    static func namePrefix(image: String?, runtime: RuntimeReference?) -> String {
        switch runtime {
        case .named(let name): return slug(name)
        case .config(let config): return slug(config.name)
        case nil:
            let base = (image ?? "sandbox").split(separator: "/").last.map(String.init) ?? "sandbox"
            return slug(String(base.split(separator: ":").first ?? "sandbox"))
        }
    }

    private static func slug(_ text: String) -> String {
        let allowed = text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let trimmed = String(allowed.prefix(24)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "sandbox" : trimmed
    }
}
