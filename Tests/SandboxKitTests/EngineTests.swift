import DockerEngine
import Foundation
import SandboxKit
import Testing

@Suite(.timeLimit(.minutes(2))) struct EngineTests {
    @Test func changesArriveWithinASecond() async throws {
        let engine = try SandboxEngine()
        let sandbox = DockerSandbox(image: TestImages.python, labels: ["sandbox.test": "true"])
        try await sandbox.start()
        let seen = AsyncStream<(String, ContinuousClock.Instant)>.makeStream()
        let watcher = Task {
            for try await action in engine.changes() { seen.continuation.yield((action, .now)) }
        }
        try await Task.sleep(for: .milliseconds(300))
        let killed = ContinuousClock.now
        try await DockerClient.shared().killContainer(sandbox.name)
        var actions: [String] = []
        for await (action, at) in seen.stream {
            actions.append(action)
            if action == "die" {
                #expect(at - killed < .seconds(1), "die arrived after \(at - killed)")
                break
            }
        }
        watcher.cancel()
        #expect(actions.contains("kill"))
        let listed = try await engine.list().first { $0.name == sandbox.name }
        #expect(listed?.state == .exited)
        try await sandbox.stop()
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
