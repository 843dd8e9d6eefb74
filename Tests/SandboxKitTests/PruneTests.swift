import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

@Suite struct PruneTests {
    /// Another process's `new` sits in `created` between its create and its start; a prune run in
    /// that window (another terminal, a test suite) must not take the container away.
    @Test func pruneSparesASandboxAnotherProcessIsStarting() async throws {
        let client = try DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["sleep", "infinity"])
        config.labels = [SandboxLabel.managed: "true", "sandbox.test": "true"]
        let name = "prune-starting-" + UUID().uuidString.prefix(8).lowercased()
        let id = try await client.createContainer(config, name: name)
        let removed = try await SandboxEngine().prune()
        #expect(!removed.contains(name))
        let left = try await client.listContainers(all: true).map(\.id)
        try await client.removeContainer(id)
        #expect(left.contains(id))
    }

    @Test func aCreateOlderThanTheGraceIsAFailedOneAndGoes() {
        let made = Date(timeIntervalSince1970: 1_000_000)
        let info = SandboxInfo(name: "s", containerID: "c", image: "i", runtime: nil, state: .created, status: "Created",
                               createdBy: nil, client: nil, created: made, managed: true)
        #expect(info.isBeingStarted(now: made.addingTimeInterval(5)))
        #expect(!info.isBeingStarted(now: made.addingTimeInterval(SandboxInfo.startGrace + 1)))
        #expect(info.isBeingStarted(now: nil), "a daemon that does not tell its time: the age is unknown, spared")
        var exited = info
        exited.state = .exited
        #expect(!exited.isBeingStarted(now: made.addingTimeInterval(5)))
        #expect(!exited.isBeingStarted(now: nil))
    }

    /// A daemon whose clock is behind ours: its fresh create looked older than the grace on our
    /// clock and was removed under the process starting it. Its age is taken on its own clock.
    @Test func aDaemonsCreateIsAgedOnTheDaemonsClock() async throws {
        let behind: TimeInterval = 600
        let daemonNow = Date().addingTimeInterval(-behind)
        let created = Int(daemonNow.timeIntervalSince1970) - 5
        let list = #"[{"Id":"fresh","Names":["/fresh"],"Image":"i","State":"created","Status":"Created","Created":\#(created),"Labels":{"\#(SandboxLabel.managed)":"true"}}]"#
        let daemon = try FakeDaemon { head in
            if head.hasPrefix("GET /_ping") { return FakeDaemon.ping }
            if head.hasPrefix("GET /v1.41/info") {
                return FakeDaemon.ok(#"{"SystemTime":"\#(daemonNow.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))"}"#)
            }
            if head.hasPrefix("GET /v1.41/containers/json") { return FakeDaemon.ok(list) }
            return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        }
        defer { daemon.stop() }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: daemon.path))) { client in
            let removed = try await SandboxEngine(client: client).prune()
            #expect(removed.isEmpty)
        }
        #expect(!daemon.requests.withLock { $0 }.contains { $0.hasPrefix("DELETE") })
    }

    /// `SystemTime` as dockerd and Podman send it: nanoseconds, and an offset for a daemon on local time.
    @Test func daemonTimesParse() {
        #expect(DaemonClock.parse("2026-11-27T21:15:41.152908479Z")?.timeIntervalSince1970.rounded() == 1_795_814_141)
        #expect(DaemonClock.parse("2026-11-27T22:15:41.5+01:00")?.timeIntervalSince1970.rounded(.down) == 1_795_814_141)
        #expect(DaemonClock.parse("2026-11-27T21:15:41Z") != nil && DaemonClock.parse("yesterday") == nil)
    }
}
