import DockerEngine
import Foundation
import SandboxKit
import Testing

@Suite(.timeLimit(.minutes(2))) struct EngineTests {
    /// A kill from outside comes through `changes()` as "kill" then "die". How soon: `make bench`.
    @Test func aKillFromOutsideIsAnnounced() async throws {
        let engine = try SandboxEngine()
        let sandbox = DockerSandbox(image: TestImages.python, labels: ["sandbox.test": "true"])
        try await sandbox.start()
        let seen = AsyncStream<String>.makeStream()
        let watcher = Task {
            for try await action in engine.changes() { seen.continuation.yield(action) }
        }
        defer { watcher.cancel() }
        var actions = seen.stream.makeAsyncIterator()
        try await subscribed(&actions)
        try await DockerClient.shared().killContainer(sandbox.name)
        var after: [String] = []
        while let action = await actions.next() {  // a missed event runs into the suite's time limit
            after.append(action)
            if action == "die" { break }
        }
        #expect(after.contains("kill"), "\(after)")
        // The daemon can announce a death a moment before its list says so.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await engine.list().first(where: { $0.name == sandbox.name })?.state != .exited {
            try #require(ContinuousClock.now < deadline, "still not listed as exited 30 s after its die event")
            try await Task.sleep(for: .milliseconds(50))
        }
        try await sandbox.stop()
    }

    /// Returns once `actions` has shown an event, so the subscription is live.
    private func subscribed(_ actions: inout AsyncStream<String>.Iterator) async throws {
        let probe = eventProbe()
        _ = await actions.next()
        probe.cancel()
        _ = await probe.result
    }

    @Test func listAttachAndErrors() async throws {
        let engine = try SandboxEngine()
        let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], createdBy: .repl)
        try await sandbox.start()
        let info = try #require(try await engine.list().first { $0.name == sandbox.name })
        #expect(info.createdBy == .repl && info.isRunning && info.managed && info.image == TestImages.busybox)
        let attached = try await engine.sandbox(named: sandbox.name)
        #expect(try await attached.execute("pwd").output == "/workspace\n")
        let error = await #expect(throws: SandboxError.self) { try await engine.sandbox(named: "no-such-sandbox") }
        #expect(error?.description.contains("no sandbox named 'no-such-sandbox'; known:") == true)
        try await sandbox.stop()
    }
}
