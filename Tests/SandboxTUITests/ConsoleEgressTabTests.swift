import DockerEngine
import Foundation
import SandboxKit
import Synchronization
import Testing
@testable import SandboxTUI

/// The egress tab on the whole headless console with no daemon at all: the engine's socket
/// leads nowhere, the list is given, and the records come from the test.
@MainActor @Suite(.timeLimit(.minutes(1))) struct ConsoleEgressTabTests {
    /// A sandbox's record the test appends to, read as the engine's file is: what came after an offset.
    final class Record: Sendable {
        private let state = Mutex<(records: [EgressRecord], reads: Int)>(([], 0))

        func append(_ record: EgressRecord) { state.withLock { $0.records.append(record) } }
        var reads: Int { state.withLock { $0.reads } }

        var source: EgressSource {
            EgressSource { _ in
                { offset in
                    self.state.withLock { state in
                        state.reads += 1
                        return (Array(state.records.dropFirst(Int(offset))), UInt64(state.records.count))
                    }
                }
            }
        }
    }

    /// `:egress` opens the tab, a denial recorded later shows with no key pressed (what the
    /// sandbox asked for made safe to print), and `x` ends the polling.
    @Test func newDenialsShowWithoutAKeyUntilTheTabCloses() async throws {
        let record = Record()
        let nowhere = DockerClient(endpoint: DockerEndpoint(host: .unix(path: "/tmp/no-daemon-\(UUID().uuidString.prefix(6)).sock"), context: "default"))
        // The primary is the "default" context: no other engine, so no watcher reaches a daemon.
        let console = try ConsoleAppTests.Harness(engine: try SandboxEngine(client: nowhere), environment: ["DOCKER_CONFIG": "/nonexistent"])
        console.app.store.runner.egress = record.source
        await console.drive {
            try await console.until("the first frame") { _, screen in screen.contains("Sandboxes (") }
            let box = SandboxInfo(name: "box-1", containerID: "c0ffee", image: "busybox", runtime: nil, state: .running, status: "Up",
                                  createdBy: .tui, client: nil, created: Date(), managed: true, isolation: .isolated)
            console.app.store.send(.watcher(engine: "default", .sandboxes([box])))
            try await console.until("box-1 current") { state, _ in state.current == "box-1" }

            console.command("egress")
            try await console.until("the tab, empty") { _, screen in
                screen.contains("output [egress box-1] (F8) - 0 denied so far") && screen.contains("nothing denied to box-1 is recorded yet")
            }
            record.append(EgressRecord(time: Date(timeIntervalSince1970: 1_800_000_000), kind: .dns, destination: "evil\u{1B}[2J\u{9B}1m.example", detail: "A"))
            let shown = try await console.until("the denial, no key pressed") { _, screen in screen.contains("1 denied so far") }
            #expect(shown.contains("2027-01-15T08:00:00Z  dns  evil?[2J?1m.example  A"), "\(shown)")

            console.driver.press(.backTab, .char("x"))
            try await console.until("the tab closed") { state, _ in state.tabs.isEmpty }
            try await Task.sleep(for: .milliseconds(100))  // a read under way when it closed
            let reads = record.reads
            try await Task.sleep(for: EffectRunner.egressPollInterval * 3)
            #expect(record.reads == reads, "no more polls")
        }
        try await nowhere.shutdown()
    }
}
