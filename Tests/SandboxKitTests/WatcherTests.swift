import DockerEngine
import Foundation
import SandboxKit
import Testing

/// The live list front ends show: events and polls turn into fresh lists, connection changes
/// are reported.
@Suite(.timeLimit(.minutes(2))) struct WatcherTests {
    /// Reads updates until one satisfies `condition`; fails loudly after 30 s.
    private func next(_ iterator: inout AsyncStream<SandboxWatcher.Update>.Iterator,
                      until condition: (SandboxWatcher.Update) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard let update = await iterator.next() else { throw CancellationError() }
            if condition(update) { return }
        }
        Issue.record("no such update within 30 s")
    }

    @Test func aNewSandboxAndItsStopShowUp() async throws {
        let engine = try SandboxEngine()
        let watcher = SandboxWatcher(engine: engine, pollInterval: .seconds(60))  // events, not the poll
        var updates = watcher.updates.makeAsyncIterator()
        watcher.start()
        defer { watcher.stop() }
        try await next(&updates) { if case .connected = $0 { true } else { false } }
        try await next(&updates) { if case .sandboxes = $0 { true } else { false } }  // the first list
        // Any list from now on came from an event (the poll is a minute away): the stream is live.
        let probe = eventProbe()
        try await next(&updates) { if case .sandboxes = $0 { true } else { false } }
        probe.cancel()
        _ = await probe.result

        let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"])
        try await sandbox.start()
        try await next(&updates) { update in
            guard case .sandboxes(let list) = update else { return false }
            return list.contains { $0.name == sandbox.name && $0.state == .running }
        }
        try await engine.stop(named: sandbox.name)
        try await next(&updates) { update in
            guard case .sandboxes(let list) = update else { return false }
            return list.contains { $0.name == sandbox.name && $0.state == .exited }
        }
        try await sandbox.stop()
    }

    @Test func anUnreachableDaemonIsReportedAsDown() async throws {
        let client = DockerClient(host: .unix(path: "/tmp/no-daemon-\(UUID().uuidString.prefix(6)).sock"))
        let watcher = SandboxWatcher(engine: try SandboxEngine(client: client), pollInterval: .seconds(60))
        var updates = watcher.updates.makeAsyncIterator()
        watcher.start()
        try await next(&updates) { update in
            guard case .down(let error) = update, case SandboxError.docker(.daemonUnreachable) = error else { return false }
            return true
        }
        watcher.stop()
        try await client.shutdown()
    }
}
