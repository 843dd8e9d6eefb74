import DockerEngine
import Foundation
import Testing
@testable import SandboxKit

/// Which contexts an ``EngineSet`` lists: one engine per daemon, the primary named for where it came from.
@Suite struct EngineSetTests {
    /// A config directory with contexts made by the real docker CLI (NAME → `--docker` value).
    static func config(_ contexts: [String: String]) throws -> String {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("engine-set-\(UUID().uuidString)").path
        for (name, docker) in contexts {
            try #require(system("DOCKER_CONFIG='\(config)' docker context create \(name) --docker '\(docker)' >/dev/null 2>&1") == 0)
        }
        return config
    }

    @Test func aContextReachingThePrimarysDaemonIsNotASecondEngine() async throws {
        let config = try Self.config(["local": "host=unix:///var/run/docker.sock", "far": "host=tcp://127.0.0.1:23760"])
        defer { try? FileManager.default.removeItem(atPath: config) }
        let primary = try SandboxEngine()
        try #require(primary.client.endpoint.host == .unix(path: DockerHost.defaultSocket), "the tests' primary is the default socket")
        let engines = EngineSet(primary: primary, environment: ["DOCKER_CONFIG": config])
        #expect(engines.primaryName == "default")
        #expect(engines.members.map(\.name) == ["default", "far"], "local reaches the default socket: its sandboxes would be listed twice")
        #expect(try engines.engine(on: "local") === primary, "NAME@local still names a sandbox there")
        #expect(try engines.locate("box@local").context == nil)
        await engines.shutdown()
    }

    @Test func aPrimaryFromDockerHostKeepsTheDefaultContext() async throws {
        let config = try Self.config(["local": "host=unix:///var/run/docker.sock"])
        defer { try? FileManager.default.removeItem(atPath: config) }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .tcp(host: "127.0.0.1", port: 23760))) { client in
            let engines = EngineSet(primary: try SandboxEngine(client: client), environment: ["DOCKER_CONFIG": config])
            #expect(engines.primaryName == "host", "no context reaches it")
            #expect(engines.members.map(\.name) == ["host", "default"], "the default socket is another engine; local is the same one")
            let local = try engines.locate("box@local")
            #expect(local.engine !== engines.primary && local.context == "default")
            #expect(try engines.engine(on: "default") === local.engine)
            await engines.shutdown()
        }
    }

    @Test func aContextUnreadableIsListedWithItsError() async throws {
        let config = try Self.config([:])
        defer { try? FileManager.default.removeItem(atPath: config) }
        let digest = String(repeating: "0", count: 64)
        let meta = config + "/contexts/meta/\(digest)"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        try Data(#"{"Name":"broken","Endpoints":{"docker":{"Host":"ftp://nowhere"}}}"#.utf8).write(to: URL(fileURLWithPath: meta + "/meta.json"))
        let engines = EngineSet(primary: try SandboxEngine(), environment: ["DOCKER_CONFIG": config])
        let broken = try #require(engines.members.first { $0.name == "broken" })
        guard case .failure(.docker) = broken.endpoint else { Issue.record("expected a DockerError, got \(broken.endpoint)"); return }
        #expect(throws: SandboxError.self) { try engines.engine(on: "broken") }
        await engines.shutdown()
    }

    /// Two engines building one runtime's tag at once build it each (a build shared across
    /// engines leaves the tag missing on one of them).
    @Test func buildsAreSharedPerDaemonOnly() async throws {
        let coordinator = BuildCoordinator()
        let firstStarted = AsyncStream<Void>.makeStream(), secondRan = AsyncStream<Void>.makeStream()
        let first = Task {
            try await coordinator.build(tag: "rt:1", on: "unix:///a") {
                firstStarted.continuation.yield()
                // Held until the other daemon's build has run: shared with this one, it never would.
                for await _ in secondRan.stream { return "built on a" }
                return "gave up waiting for b's build"
            }
        }
        for await _ in firstStarted.stream { break }
        let other = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await coordinator.build(tag: "rt:1", on: "tcp://b:2376") {
                    secondRan.continuation.yield()
                    return "built on b"
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                secondRan.continuation.finish()
                return "b's build never ran"
            }
            defer { group.cancelAll() }
            return try #require(await group.next())
        }
        #expect(other == "built on b")
        #expect(try await first.value == "built on a")
    }
}
