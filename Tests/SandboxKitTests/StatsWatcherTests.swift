import DockerEngine
import Foundation
import SandboxKit
import Testing

/// CPU and memory from the real daemons: the stats call's decode and the sampler the console uses.
@Suite(.timeLimit(.minutes(2))) struct StatsWatcherTests {
    /// Two samples of a sandbox with CPU burnt between them, decoded as `docker stats` reads them.
    static func expectFigures(on client: DockerClient, _ name: String, _ sandbox: DockerSandbox) async throws {
        let first = try await client.containerStats(name)
        _ = try await sandbox.execute("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")
        let second = try await client.containerStats(name)
        #expect(second.hasFigures && (second.memoryUsed ?? 0) > 0 && (second.memoryLimit ?? 0) > 0, "\(second)")
        #expect((second.cpu?.onlineCPUs ?? 0) > 0, "\(second)")
        #expect((second.cpuPercent(after: first.cpu) ?? 0) > 0, "the loop's CPU between the samples: \(first) \(second)")
    }

    @Test func dockerdsStatsDecode() async throws {
        try await withSandbox(image: TestImages.busybox) { sandbox in
            try await sandbox.start()
            try await Self.expectFigures(on: DockerClient.shared(), sandbox.name, sandbox)
        }
    }

    /// Podman's compatible API leaves out memory_stats.stats and adds fields of its own.
    @Test func podmansStatsDecode() async throws {
        try await RemoteEngineTests.withClient(PodmanDifferenceTests.podman) { client in
            let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            do {
                try await sandbox.start()
                try await Self.expectFigures(on: client, sandbox.name, sandbox)
            } catch {
                try? await sandbox.stop()
                throw error
            }
            try await sandbox.stop()
        }
    }

    /// Reads rounds until one satisfies `condition`; fails loudly after 30 s.
    private func next(_ rounds: inout AsyncStream<[String: SandboxStats]>.Iterator,
                      _ what: String, until condition: ([String: SandboxStats]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard let round = await rounds.next() else { throw CancellationError() }
            if condition(round) { return }
        }
        Issue.record("no round with \(what) within 30 s")
        throw CancellationError()
    }

    /// A second start ran a second sampler that stop() did not end: it went on asking the daemon.
    @Test func startingTwiceSamplesOnceAndStopEndsIt() async throws {
        let sample = #"{"cpu_stats":{"cpu_usage":{"total_usage":5},"system_cpu_usage":10,"online_cpus":1},"memory_stats":{"usage":100}}"#
        let daemon = try FakeDaemon { head in
            if head.hasPrefix("GET /_ping") { return FakeDaemon.ping }
            return head.hasPrefix("GET /v1.41/containers/abc/stats") ? FakeDaemon.ok(sample) : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        }
        defer { daemon.stop() }
        let asked = { daemon.requests.withLock { $0 }.filter { $0.contains("/containers/abc/stats") }.count }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: daemon.path))) { client in
            let watcher = StatsWatcher(engine: try SandboxEngine(client: client), interval: .milliseconds(20))
            var rounds = watcher.updates.makeAsyncIterator()
            watcher.track(["abc"])
            watcher.start()
            watcher.start()
            try await next(&rounds, "a sample") { $0["abc"] != nil }
            watcher.stop()
            try await Task.sleep(for: .milliseconds(200))  // a request under way when stopped arrives
            let stopped = asked()
            try await Task.sleep(for: .milliseconds(400))  // twenty intervals
            #expect(asked() == stopped, "sampling went on after stop()")
        }
    }

    @Test func aTrackedSandboxHasFiguresWhileItRuns() async throws {
        let engine = try SandboxEngine()
        let watcher = StatsWatcher(engine: engine, interval: .milliseconds(500))
        var rounds = watcher.updates.makeAsyncIterator()
        watcher.start()
        defer { watcher.stop() }
        try await withSandbox(image: TestImages.busybox) { sandbox in
            try await sandbox.start()
            let id = try #require(try await engine.list().first { $0.name == sandbox.name }?.containerID)
            watcher.track([id])
            try await next(&rounds, "CPU known and a history") { round in
                round[id]?.cpuPercent != nil && (round[id]?.memoryHistory.count ?? 0) >= 2
            }
            // Still tracked, but stopped: the daemon's zeros are no figures.
            try await engine.stop(named: sandbox.name)
            try await next(&rounds, "the stopped sandbox gone") { $0[id] == nil }
        }
    }
}
