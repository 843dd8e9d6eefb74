import DockerEngine
import Foundation
import Logging

/// The configuration that decides which container a sandbox gets, all but its name.
struct SandboxSpec: Hashable, Sendable {
    var image: String?
    var runtime: RuntimeReference?
    var volumes: [String: String]
    var workDir: String
    var environment: [String: String]
    var labels: [String: String]
    var memoryLimit: String?
    var cpuLimit: Double?
    var network: NetworkMode
    var policy: NetworkPolicy
    var security: SecurityProfile
    var user: SandboxUser?
    var createdBy: Creator
}

/// Keeps `size` started sandboxes of each configuration it has been asked for, so that a new
/// sandbox is running at once instead of after a container create and start. Taken sandboxes are
/// replaced in the background; ``drain()`` removes the waiting ones (call it on exit; `sandbox
/// prune` removes those of a pool whose heartbeat stopped, see ``PoolHeartbeat``).
///
/// ```swift
/// let pool = SandboxPool(size: 2)
/// await pool.prepare(like: DockerSandbox(image: "python:3.12-slim"))   // starts two now
/// let sandbox = try await pool.take(like: DockerSandbox(image: "python:3.12-slim"))  // running
/// ```
public actor SandboxPool {
    /// Names of waiting sandboxes start with this; `SandboxEngine.list` leaves them out.
    public static let namePrefix = "sandbox-pool-"

    public nonisolated let size: Int
    /// Names this pool on its waiting sandboxes (label ``SandboxLabel/poolOwner``).
    public nonisolated let ownerID = DockerSandbox.newID()
    private var heartbeat: Task<Void, Never>?
    private var waiting: [SandboxSpec: [DockerSandbox]] = [:]
    private var templates: [SandboxSpec: DockerSandbox] = [:]
    private var refills: [SandboxSpec: Task<Void, Never>] = [:]
    private var drained = false
    private let logger: Logger

    /// `logger` gets why sandboxes are taken, started or dropped (default: the engine's, see ``EngineLogging``).
    public init(size: Int, logger: Logger? = nil) {
        self.size = max(0, size)
        self.logger = logger ?? EngineLogging.defaultLogger
    }

    /// Starts filling the pool with sandboxes configured like `template` (which itself is not started).
    public func prepare(like template: DockerSandbox) {
        guard size > 0, !drained else { return }
        let spec = template.spec
        if templates[spec] == nil { templates[spec] = template }
        refill(spec, after: .zero)
        if heartbeat == nil { heartbeat = Task { await self.beat() } }
    }

    /// Keeps the waiting sandboxes' heartbeats fresh until drained, so that `prune` (from any
    /// host) can tell them from the leftovers of a pool that is gone.
    private func beat() async {
        while !drained {
            try? await Task.sleep(for: PoolHeartbeat.interval)
            for member in waiting.values.joined() { try? await member.writeHeartbeat() }
        }
    }

    /// A running sandbox configured like `template`, named as it is: a waiting one when there is
    /// one (renamed), else `template` itself, started now. Either way the pool then refills.
    public func take(like template: DockerSandbox) async throws -> DockerSandbox {
        let spec = template.spec
        prepare(like: template)
        while var ready = waiting[spec], !ready.isEmpty {
            let member = ready.removeFirst()
            waiting[spec] = ready
            refill(spec, after: Self.refillDelay)
            if let adopted = try await adopt(member, as: template) {
                logger.info("pool: \(template.name) is waiting sandbox \(member.name) (\(ready.count) left for this configuration)")
                return adopted
            }
            logger.info("pool: waiting sandbox \(member.name) was removed or killed while it waited; trying the next")
        }
        logger.info("pool: none waiting for \(template.name)'s configuration; starting it now")
        try await template.start()
        return template
    }

    /// How many sandboxes wait, over all configurations.
    public var waitingCount: Int { waiting.values.reduce(0) { $0 + $1.count } }

    /// Stops refilling and removes every waiting sandbox.
    public func drain() async {
        drained = true
        heartbeat?.cancel()
        // Not cancelled: a cancelled task's HTTP calls fail at once, and the refill must still
        // remove the sandbox it was starting.
        for task in refills.values { await task.value }
        refills = [:]
        let members = waiting.values.flatMap { $0 }
        waiting = [:]
        await withTaskGroup(of: Void.self) { group in
            for member in members { group.addTask { try? await member.stop() } }
        }
    }

    /// Renames a waiting sandbox's container to the template's name and hands it over; nil when
    /// it is no longer usable (removed or killed while it waited). A name already taken is the
    /// caller's error, and the waiting sandbox stays in the pool.
    private func adopt(_ member: DockerSandbox, as template: DockerSandbox) async throws -> DockerSandbox? {
        guard let id = try? await member.containerID(), let client = try? await member.docker() else { return nil }
        do {
            try await client.renameContainer(id, to: template.name)
        } catch DockerError.conflict {
            waiting[template.spec, default: []].insert(member, at: 0)
            throw SandboxError.invalidArgument("a container named \(template.name) already exists; pick another name")
        } catch {
            try? await member.stop()
            return nil
        }
        let adopted = DockerSandbox(like: template, name: template.name, adopting: (id, member.sandboxID))
        await adopted.inheritRunner(from: member)
        return adopted
    }

    /// After a take, the refill waits this long: the caller's first command in the sandbox it
    /// just got should not share the machine with a container start.
    static let refillDelay = Duration.milliseconds(500)

    /// Starts sandboxes until `size` wait for `spec`, one at a time so that a pool never competes
    /// with the caller's own work for more than one container start.
    private func refill(_ spec: SandboxSpec, after delay: Duration) {
        guard refills[spec] == nil, !drained, let template = templates[spec] else { return }
        refills[spec] = Task {
            try? await Task.sleep(for: delay)
            while !self.drained, (self.waiting[spec]?.count ?? 0) < self.size {
                let member = DockerSandbox(like: template, name: Self.namePrefix + DockerSandbox.newID(),
                                           extraLabels: [SandboxLabel.poolOwner: self.ownerID])
                // A failed start ends this refill; the next take starts its sandbox itself and
                // reports the error, then refills again.
                do {
                    try await member.start()
                    try await member.writeHeartbeat()
                    // Its runner's session open: a taker's first command needs no exec at all.
                    _ = try await member.executionPath()
                } catch {
                    self.logger.warning("pool: refill stopped, \(member.name) did not start: \(SandboxError.wrap(error))")
                    try? await member.stop()
                    break
                }
                if self.drained {
                    try? await member.stop()
                    break
                }
                self.waiting[spec, default: []].append(member)
                self.logger.info("pool: refilled with \(member.name) (\(self.waiting[spec]?.count ?? 0) of \(self.size) waiting)")
            }
            self.refills[spec] = nil
        }
    }
}
