import DockerEngine
import Foundation
import SandboxKit
import Testing

/// The warm pool against the real daemon: sandboxes wait started, a take hands one over under the
/// caller's name at once, the pool refills, and nothing is left behind.
@Suite(.serialized, .timeLimit(.minutes(2))) struct PoolTests {
    private func template() -> DockerSandbox {
        DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"])
    }

    @Test func takeHandsOverAStartedSandboxAndRefills() async throws {
        let engine = try SandboxEngine()
        let pool = SandboxPool(size: 2)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 2 }
        // Waiting sandboxes are not listed as the user's.
        #expect(try await engine.list().allSatisfy { !$0.name.hasPrefix(SandboxPool.namePrefix) })
        #expect(try await engine.list(all: true).filter { $0.name.hasPrefix(SandboxPool.namePrefix) }.count >= 2)

        let wanted = template()
        let sandbox = try await pool.take(like: wanted)
        #expect(sandbox.name == wanted.name)
        #expect(await sandbox.isAlive())
        #expect(try await inspect(sandbox)?.state.running == true, "the container carries the caller's name")
        #expect(try await sandbox.execute("echo hi; pwd").output == "hi\n/workspace\n")
        #expect(try await engine.list().contains { $0.name == wanted.name })

        try await waitUntil { await pool.waitingCount == 2 }
        await pool.drain()
        #expect(await pool.waitingCount == 0)
        let left = try await DockerClient.shared().listContainers(all: true, labels: ["\(SandboxLabel.poolOwner)=\(pool.ownerID)"])
        #expect(left.filter { $0.name.hasPrefix(SandboxPool.namePrefix) }.isEmpty, "drain leaves no waiting sandbox")
        // The taken one is the caller's, not the pool's.
        #expect(await sandbox.isAlive())
        try await sandbox.stop()
        #expect(try await inspect(sandbox) == nil)
    }

    /// The waiting sandbox's runner session comes with it: its first command creates no exec.
    @Test(.enabled(if: RunnerMode.on)) func aPooledSandboxAnswersItsFirstCommandWithoutAnExec() async throws {
        let client = try DockerClient.shared()
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 1 }
        let sandbox = try await pool.take(like: template())
        let container = try await client.inspectContainer(sandbox.name).id
        // Only this container's: the pool's refill starts another (with its own runner exec) meanwhile.
        let events = client.events(actions: ["exec_create"], labels: ["sandbox.test=true"])
        var iterator = events.makeAsyncIterator()
        // A marker exec of our own, made until its event is seen (the daemon subscribes late).
        func marker(_ word: String) async throws {
            let probe = Task {
                while !Task.isCancelled {
                    _ = try await client.createExec(container: sandbox.name, .init(cmd: ["true", word]))
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            defer { probe.cancel() }
            while let event = try await iterator.next() {
                guard event.id == container else { continue }
                if event.action?.hasSuffix(word) == true { return }
                // A late "before" marker is ours too; anything else is the sandbox's own exec.
                if word == "after", event.action?.hasSuffix("before") != true { Issue.record("an exec besides the markers: \(event.action ?? "")") }
            }
        }
        try await marker("before")
        #expect(try await sandbox.execute("echo first").output == "first\n")
        try await marker("after")
        await pool.drain()
        try await sandbox.stop()
    }

    @Test func aDifferentConfigurationIsNotServedFromAnotherPool() async throws {
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 1 }
        let other = DockerSandbox(image: TestImages.busybox, environment: ["MODE": "other"], labels: ["sandbox.test": "true"])
        let sandbox = try await pool.take(like: other)
        #expect(try await sandbox.execute("echo $MODE").output == "other\n")
        try await waitUntil { await pool.waitingCount == 2 }  // one for each configuration now
        await pool.drain()
        try await sandbox.stop()
    }

    /// A waiting sandbox is matched on its network policy too: an allow-list one is never handed
    /// to a caller asking for the default isolation, nor the reverse, and one handed over keeps
    /// the rules it was admitted with.
    @Test func aWaitingSandboxIsMatchedOnItsNetworkPolicy() async throws {
        try await IsolationTests.requireIsolation()
        let policy = try NetworkPolicy(allow: ["10.1.2.3:80"], hosts: [])
        func allowList() -> DockerSandbox { DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], policy: policy) }
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: allowList())
        try await waitUntil { await pool.waitingCount == 1 }
        let isolated = try await pool.take(like: template())
        #expect(try await isolated.currentPolicy() == .isolated)
        try await waitUntil { await pool.waitingCount == 2 }
        let taken = try await pool.take(like: allowList())
        #expect(try await taken.currentPolicy() == policy)
        #expect(await taken.isolation()?.0 == .allowList)
        await pool.drain()
        try await isolated.stop()
        try await taken.stop()
    }

    /// And on its user: a root one is never handed to a caller asking for a user, nor the
    /// reverse; one handed over runs as its user at once (its account comes with it).
    @Test func aWaitingSandboxIsMatchedOnItsUser() async throws {
        func withUser() -> DockerSandbox { DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], user: .unprivileged) }
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: withUser())
        try await waitUntil { await pool.waitingCount == 1 }
        let root = try await pool.take(like: template())
        #expect(try await root.execute("id -u").output == "0\n")
        try await waitUntil { await pool.waitingCount == 2 }
        let taken = try await pool.take(like: withUser())
        #expect(try await taken.execute("id -u; echo $HOME").output == "1000\n/home/sandbox\n")
        await pool.drain()
        try await root.stop()
        try await taken.stop()
    }

    @Test func aWaitingSandboxKilledMeanwhileIsSkipped() async throws {
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 1 }
        let waiting = try await DockerClient.shared().listContainers(all: true, labels: ["\(SandboxLabel.poolOwner)=\(pool.ownerID)"])
        for container in waiting { try await DockerClient.shared().removeContainer(container.id) }
        let sandbox = try await pool.take(like: template())
        #expect(try await sandbox.execute("echo ok").output == "ok\n")
        await pool.drain()
        try await sandbox.stop()
    }

    @Test func aTakenNameIsTheCallersErrorAndKeepsTheWaitingSandbox() async throws {
        let existing = template()
        try await existing.start()
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 1 }
        let clash = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], name: existing.name)
        await #expect(throws: SandboxError.self) { try await pool.take(like: clash) }
        #expect(await pool.waitingCount == 1, "the waiting sandbox is still there")
        await pool.drain()
        try await existing.stop()
    }

    @Test func pruneRemovesTheWaitingSandboxesOfAPoolWhoseHeartbeatStopped() async throws {
        let client = try DockerClient.shared()
        let stale = try await waitingSandbox(client, heartbeat: Date().addingTimeInterval(-3600))
        let fresh = try await waitingSandbox(client, heartbeat: Date())
        let removed = try await SandboxEngine().prune()
        #expect(removed.contains(stale.name))
        #expect(!removed.contains(fresh.name), "a beating pool is alive, whatever its owner label says")
        let left = try await client.listContainers(all: true).map(\.id)
        #expect(!left.contains(stale.id))
        #expect(left.contains(fresh.id))
        try await client.removeContainer(fresh.id)
    }

    @Test func aLivePoolKeepsItsSandboxesThroughPrune() async throws {
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: template())
        try await waitUntil { await pool.waitingCount == 1 }
        _ = try await SandboxEngine().prune()
        #expect(await pool.waitingCount == 1)
        let waiting = try await DockerClient.shared().listContainers(all: true, labels: ["\(SandboxLabel.poolOwner)=\(pool.ownerID)"])
        #expect(waiting.count == 1 && waiting.allSatisfy { $0.state == "running" }, "prune left the live pool's sandbox")
        await pool.drain()
    }

    /// A pool sandbox as another process (or host) would have left it, with its last heartbeat at `heartbeat`.
    private func waitingSandbox(_ client: DockerClient, heartbeat: Date) async throws -> (name: String, id: String) {
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["sleep", "infinity"])
        config.labels = [SandboxLabel.managed: "true", SandboxLabel.poolOwner: "elsewhere", "sandbox.test": "true"]
        let name = SandboxPool.namePrefix + "test-" + UUID().uuidString.prefix(8).lowercased()
        let id = try await client.createContainer(config, name: name)
        try await client.startContainer(id)
        let archive = Tar.archive([
            TarEntry(path: ".sandbox", kind: .directory, mode: 0o755, mtime: heartbeat),
            TarEntry(path: ".sandbox/pool-heartbeat", mode: 0o644, mtime: heartbeat),
        ])
        try await client.putArchive(id, directory: "/", tar: .bytes(archive))
        return (name, id)
    }
}
