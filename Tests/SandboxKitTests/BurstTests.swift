import DockerEngine
import Foundation
@testable import SandboxKit
import Synchronization
import Testing

/// Many sandboxes at once from one process, and starts that fail half-way. 100 made at once
/// lost a quarter of their starts ("daemon not reachable" from a daemon answering all along:
/// AsyncHTTPClient's pool gave a queued request 3 s), and left containers behind.
@Suite(.timeLimit(.minutes(3))) struct BurstTests {
    /// Requests past the client's connections wait their turn for as long as their deadline
    /// allows; here each answer takes 1.5 s, two connections, six requests: the last waits 4.5 s.
    @Test func requestsPastTheConnectionLimitWaitTheirTurn() async throws {
        let inFlight = Atomic(0)
        let most = Atomic(0)
        let daemon = try FakeDaemon { head in
            if head.hasPrefix("GET /_ping") { return FakeDaemon.ping }
            let now = inFlight.add(1, ordering: .sequentiallyConsistent).newValue
            most.max(now, ordering: .sequentiallyConsistent)
            Thread.sleep(forTimeInterval: 1.5)
            inFlight.subtract(1, ordering: .sequentiallyConsistent)
            return FakeDaemon.ok(#"{"Version":"20.10.24","ApiVersion":"1.41"}"#)
        }
        defer { daemon.stop() }
        let client = DockerClient(endpoint: DockerEndpoint(host: .unix(path: daemon.path)), connectionLimit: 2)
        let failures = await withTaskGroup(of: (any Error)?.self) { group in
            for _ in 0..<6 { group.addTask { do { _ = try await client.version(); return nil } catch { return error } } }
            return await group.compactMap { $0 }.reduce(into: [String]()) { $0.append("\($1)") }
        }
        try await client.shutdown()
        #expect(failures.isEmpty, "\(failures)")
        #expect(most.load(ordering: .sequentiallyConsistent) <= 2, "the daemon saw more connections than the limit")
    }

    /// Thirty sandboxes at once through a client of four connections: all answer, none is left.
    @Test func sandboxesMadeAtOnceAllAnswerAndLeaveNothing() async throws {
        let client = DockerClient(endpoint: try DockerEndpoint.resolve(), connectionLimit: 4)
        let label = "sandbox.burst-\(UUID().uuidString.prefix(8))"
        let sandboxes = (0..<30).map { _ in
            DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true", label: "true"], network: .none, client: client)
        }
        let answers = await withTaskGroup(of: String.self) { group in
            for (index, sandbox) in sandboxes.enumerated() {
                group.addTask {
                    do { return try await sandbox.execute("echo \(index)").output == "\(index)\n" ? "ok" : "wrong" } catch { return "\(error)" }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        await withTaskGroup(of: Void.self) { group in
            for sandbox in sandboxes { group.addTask { try? await sandbox.stop() } }
        }
        let left = try await client.listContainers(all: true, labels: [label]).count
        try await client.shutdown()
        #expect(answers.filter { $0 != "ok" }.isEmpty, "\(Set(answers.filter { $0 != "ok" }))")
        #expect(left == 0, "\(left) containers left")
    }

    /// The daemon makes the container, or starts it, and the connection is lost before its answer:
    /// the start fails, saying so, and no container of that sandbox is left.
    @Test(arguments: ["create", "start"])
    func aStartWhoseAnswerIsLostLeavesNoContainer(_ step: String) async throws {
        let pattern = step == "create" ? #"^POST /v[0-9.]+/containers/create"# : #"^POST /v[0-9.]+/containers/[0-9a-f]+/start"#
        let proxy = try CuttingProxy { $0.range(of: pattern, options: .regularExpression) != nil }
        defer { proxy.stop() }
        let client = DockerClient(endpoint: DockerEndpoint(host: .unix(path: proxy.path)))
        let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], network: .none, client: client)
        let error = await #expect(throws: (any Error).self) { try await sandbox.start() }
        #expect(proxy.cutLines.withLock { $0.count } == 1, "nothing was cut")
        #expect("\(error.map { "\($0)" } ?? "")".contains("connection"), "\(String(describing: error))")
        let real = try DockerClient.shared()
        await #expect(throws: DockerError.self, "\(sandbox.name) was left behind") { _ = try await real.inspectContainer(sandbox.name) }
        try? await sandbox.stop()
        try await client.shutdown()
    }
}
