import DockerEngine
import Foundation

/// Where a sandbox is in its life: the engine's container states, and ours from before its
/// container exists (a runtime image building, a container being created).
public enum SandboxState: String, Sendable, Codable, CaseIterable {
    case created, running, paused, restarting, removing, exited, dead
    case building, starting

    /// Docker's state word; Podman's own words map to the nearest (`configured`, `initialized`:
    /// created; `stopped`: exited), and an unknown one counts as dead rather than running.
    public init(engine word: String) {
        switch word {
        case "configured", "initialized": self = .created
        case "stopped": self = .exited
        default: self = SandboxState(rawValue: word) ?? .dead
        }
    }

    /// Something is happening to it (the list shows it as busy).
    public var isBusy: Bool { [.building, .starting, .created, .restarting].contains(self) }
}

/// A sandbox as the daemon lists it, for `ps`, the TUI's list and completion.
public struct SandboxInfo: Sendable, Codable, Equatable {
    public var name: String
    public var containerID: String
    public var image: String
    public var runtime: String?
    public var state: SandboxState
    /// Docker's human status, e.g. "Up 3 minutes".
    public var status: String
    public var createdBy: Creator?
    /// The MCP client's name for sandboxes made by an agent.
    public var client: String?
    public var created: Date
    /// False for containers that are not ours (listed only when asked for all).
    public var managed: Bool
    /// How its network is kept in; nil for a container made before isolation or not ours.
    public var isolation: Isolation?
    /// Why it is ``Isolation/open``: what this engine cannot enforce.
    public var openReason: String?
    /// How many refusals its egress record holds (``DockerSandbox/egressRecords(from:)``).
    public var denials = 0

    public init(name: String, containerID: String, image: String, runtime: String?, state: SandboxState, status: String,
                createdBy: Creator?, client: String?, created: Date, managed: Bool, isolation: Isolation? = nil, openReason: String? = nil,
                denials: Int = 0) {
        self.name = name
        self.containerID = containerID
        self.image = image
        self.runtime = runtime
        self.state = state
        self.status = status
        self.createdBy = createdBy
        self.client = client
        self.created = created
        self.managed = managed
        self.isolation = isolation
        self.openReason = openReason
        self.denials = denials
    }

    public var isRunning: Bool { state == .running }
    /// How long a sandbox may sit in `created` before prune treats it as a failed create rather than
    /// one another process is starting (a runtime build happens before the create, so this is ample).
    public static let startGrace: TimeInterval = 120
    /// Whether it sits in `created`, maybe another process's create on its way to start. `now` is
    /// the daemon's clock, which `created` is on (a remote daemon's can be minutes off ours, and
    /// one behind would make a fresh create look old); nil when the daemon did not tell its time:
    /// the age is then unknown and the sandbox spared, as removing a create under way is the harm.
    public func isBeingStarted(now: Date?) -> Bool {
        guard state == .created else { return false }
        guard let now else { return true }
        return now.timeIntervalSince(created) < Self.startGrace
    }
    /// The runtime's name, else the image.
    public var kind: String { runtime ?? image }
}

/// The daemon-wide view the front ends need: listing, finding and removing sandboxes.
public final class SandboxEngine: Sendable {
    public let client: DockerClient

    public init(client: DockerClient? = nil) throws {
        do { self.client = try client ?? DockerClient.shared() } catch { throw SandboxError.wrap(error) }
    }

    /// Where the daemon is, as `DOCKER_HOST` names it.
    public var address: String { client.host.description }

    /// The negotiated API version; throws when the daemon is unreachable.
    public func connect() async throws -> String {
        do { return try await client.apiVersion().description } catch { throw SandboxError.wrap(error) }
    }

    /// Our sandboxes (or every container, with `all`), newest first.
    public func list(all: Bool = false) async throws -> [SandboxInfo] {
        do {
            let containers = try await client.listContainers(all: true, labels: all ? [] : ["\(SandboxLabel.managed)=true"])
            return containers.filter { all || !$0.name.hasPrefix(SandboxPool.namePrefix) }.map(Self.info).sorted { $0.created > $1.created }
        } catch { throw SandboxError.wrap(error) }
    }

    /// A handle on an existing sandbox, by name or container id.
    public func sandbox(named name: String) async throws -> DockerSandbox {
        do {
            let inspect = try await client.inspectContainer(name)
            return DockerSandbox(attachedTo: inspect, client: client)
        } catch DockerError.notFound {
            throw SandboxError.unknownSandbox(name, known: (try? await list().map(\.name)) ?? [])
        } catch { throw SandboxError.wrap(error) }
    }

    /// Stops a sandbox's container and keeps it (exited) until `remove` or `prune`.
    public func stop(named name: String) async throws {
        do {
            try await client.killContainer(name)
        } catch DockerError.notFound {
            throw SandboxError.unknownSandbox(name, known: (try? await list().map(\.name)) ?? [])
        } catch DockerError.conflict {
            return  // not running: already stopped
        } catch { throw SandboxError.wrap(error) }
    }

    /// Removes a sandbox (killing it first if it runs). Host volumes keep their files.
    public func remove(named name: String) async throws {
        do {
            let inspect = try await client.inspectContainer(name)
            try await client.removeContainer(name)
            if let id = inspect.config.labels?[SandboxLabel.id], case .unix = client.host { SandboxNetworks.release(sandboxID: id) }
        } catch DockerError.notFound {
            throw SandboxError.unknownSandbox(name, known: (try? await list().map(\.name)) ?? [])
        } catch { throw SandboxError.wrap(error) }
    }

    /// Removes our sandboxes that are not running; other containers are never touched.
    /// Also removes the waiting sandboxes of a pool that is gone: their heartbeat, which the
    /// daemon keeps, went stale (this works from any host, whatever pid namespace the pool had).
    /// A sandbox in `created` for less than ``SandboxInfo/startGrace`` is spared: it is another
    /// process's create on its way to start, and removing it would pull it out from under that process.
    public func prune() async throws -> [String] {
        var removed: [String] = []
        do {
            let now = await DaemonClock.now(client)
            for info in try await list() where info.managed && !info.isRunning {
                if info.isBeingStarted(now: now) {
                    let age = now.map { "created \(Int($0.timeIntervalSince(info.created))) s ago" } ?? "the daemon did not tell its time"
                    client.logger.info("prune: keeping \(info.name), not yet started (\(age))")
                    continue
                }
                client.logger.info("prune: removing \(info.name), a sandbox that is \(info.state)")
                try await client.removeContainer(info.containerID)
                removed.append(info.name)
            }
            for container in try await client.listContainers(all: true, labels: [SandboxLabel.poolOwner])
            where container.name.hasPrefix(SandboxPool.namePrefix) {
                if SandboxState(engine: container.state) == .running, await !PoolHeartbeat.isStale(container, client: client) {
                    client.logger.info("prune: keeping \(container.name), a waiting sandbox whose pool's heartbeat is fresh")
                    continue
                }
                let why = SandboxState(engine: container.state) == .running ? "its pool's heartbeat stopped" : "it is \(container.state)"
                client.logger.info("prune: removing \(container.name), a waiting sandbox: \(why)")
                try await client.removeContainer(container.id)
                removed.append(container.name)
            }
            // The firewall's leftovers of every sandbox that is gone, this prune's and any removed behind our back.
            if case .unix = client.host {
                let existing = try await client.listContainers(all: true, labels: [SandboxLabel.managed])
                let swept = SandboxNetworks.sweep(keeping: Set(existing.compactMap { $0.labels?[SandboxLabel.id] }))
                if swept > 0 { client.logger.info("prune: released the network rules of \(swept) sandboxes that are gone") }
            }
        } catch { throw SandboxError.wrap(error) }
        return removed
    }

    /// Whether an image is present locally.
    public func hasImage(_ name: String) async throws -> Bool {
        do { return try await client.inspectImage(name) != nil } catch { throw SandboxError.wrap(error) }
    }

    /// Image tags present locally.
    public func imageTags() async throws -> [String] {
        do { return try await client.listImages().flatMap { $0.repoTags ?? [] }.filter { $0 != "<none>:<none>" }.sorted() }
        catch { throw SandboxError.wrap(error) }
    }

    static func info(_ container: ContainerSummary) -> SandboxInfo {
        let labels = container.labels ?? [:]
        return SandboxInfo(
            name: container.name, containerID: container.id, image: labels[SandboxLabel.image] ?? container.image,
            runtime: labels[SandboxLabel.runtime].flatMap { $0.isEmpty ? nil : $0 }, state: SandboxState(engine: container.state), status: container.status,
            createdBy: labels[SandboxLabel.creator].flatMap(Creator.init), client: labels[SandboxLabel.client].flatMap { $0.isEmpty ? nil : $0 },
            created: Date(timeIntervalSince1970: TimeInterval(container.created)),
            managed: labels[SandboxLabel.managed] == "true", isolation: labels[SandboxLabel.isolation].flatMap(Isolation.init),
            openReason: labels[SandboxLabel.openReason].flatMap { $0.isEmpty ? nil : $0 }, denials: labels[SandboxLabel.id].map(EgressLog.count) ?? 0)
    }
}

extension SandboxEngine {
    /// What `sandbox doctor` reports: where the daemon is, whether it answers, what is missing.
    public struct Diagnosis: Sendable, Codable {
        public var address: String
        public var reachable: Bool
        public var problem: String?
        public var engineVersion: String?
        public var apiVersion: String?
        public var images: [String: Bool]
        public var advice: [String]
        /// The runner this program places in sandboxes, or why there is none.
        public var runner = RunnerBinary.status
        /// The OCI runtimes the daemon offers (`--oci-runtime`), its default marked.
        public var runtimes: [String] = []
        /// How each running sandbox runs commands, and why: "runner", "exec: turned off (SANDBOX_RUNNER=off)", …
        public var paths: [String: String] = [:]
        /// Whether new sandboxes are kept off the host, the metadata address and each other, and
        /// why not when they are not.
        public var isolation: String?
    }

    public func diagnose(images wanted: [String]) async -> Diagnosis {
        var diagnosis = Diagnosis(address: address, reachable: false, images: [:], advice: [])
        do {
            let version = try await client.version()
            diagnosis.reachable = true
            diagnosis.engineVersion = "\(version.product) \(version.version)"
            if let info = try? await client.info() {
                diagnosis.runtimes = (info.runtimes?.keys.sorted() ?? []).map { $0 == info.defaultRuntime ? $0 + " (default)" : $0 }
            }
            diagnosis.apiVersion = try await client.apiVersion().description
        } catch {
            diagnosis.problem = "\(SandboxError.wrap(error))"
            diagnosis.advice.append("start the daemon (dockerd, or `make setup`), or point DOCKER_HOST at a running one")
            return diagnosis
        }
        for image in wanted {
            let present = (try? await client.inspectImage(image)) != nil
            diagnosis.images[image] = present
            if !present {
                diagnosis.advice.append("\(image) is missing: pull or load it, or set SANDBOX_DEFAULT_IMAGE / a runtimes.toml entry to a local image")
            }
        }
        if let reason = await SandboxNetworks.unenforceable(client) {
            diagnosis.isolation = "not enforced: \(reason); sandboxes reach the host's services and each other, and --allow is refused"
        } else {
            let firewall = SandboxNetworks.firewall
            let guardState = SandboxNetworks.gateway(client).map { EgressGuardProcess.running(gateway: $0) } == true
                ? "the egress guard runs" : "the egress guard starts with the first allow-list sandbox"
            diagnosis.isolation = "enforced by nftables (table inet \(HostFirewall.table) over bridges \(firewall.isolatedBridge) and "
                + "\(firewall.allowListBridge)); \(guardState)"
        }
        diagnosis.paths = await executionPaths(of: ((try? await list()) ?? []).filter { $0.state == .running }.map(\.name))
        return diagnosis
    }

    /// How long doctor waits for one sandbox's answer: placing the runner and its greeting have
    /// ``DockerSandbox/helperDeadline`` each.
    static let pathDeadline = DockerSandbox.helperDeadline * 2
    /// How many sandboxes are asked at once (each ask is a few requests to the daemon).
    static let pathsAtOnce = 16

    /// ``DockerSandbox/executionSummary()`` of each sandbox, asked of several at once: each opens
    /// (and may place) that sandbox's runner, and one that never greets costs its whole wait, which
    /// one sandbox after another added up. The answers carry text from the sandbox (its runner's
    /// version and stderr), made safe to print.
    func executionPaths(of names: [String]) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            var paths: [String: String] = [:]
            for (index, name) in names.enumerated() {
                if index >= Self.pathsAtOnce, let (done, path) = await group.next() { paths[done] = path }
                group.addTask {
                    let summary = await withDeadline(Self.pathDeadline) { () -> String in
                        do { return try await self.sandbox(named: name).executionSummary() } catch { return "unknown: \(error)" }
                    }
                    return (name, TerminalText.oneLine(summary ?? "unknown: no answer within \(Self.pathDeadline)"))
                }
            }
            for await (done, path) in group { paths[done] = path }
            return paths
        }
    }
}

extension SandboxEngine {
    /// Fires whenever one of our containers is created, starts, stops, dies or goes away
    /// (from Docker's event stream). Ends, or throws, when the daemon connection drops.
    public func changes() -> AsyncThrowingStream<String, any Error> {
        // Podman (4.3) filters a container's end by its own name, "died" (a filter of "die" alone
        // matches nothing there), and reports it as "die", with "containerExitCode" beside "exitCode".
        let events = client.events(actions: ["create", "start", "die", "died", "kill", "stop", "destroy", "pause", "unpause", "oom", "rename"],
                                   labels: ["\(SandboxLabel.managed)=true"])
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events { continuation.yield(event.action ?? "") }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: SandboxError.wrap(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
