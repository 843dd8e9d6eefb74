import Foundation
@testable import SandboxKit
import Testing
@testable import SandboxTUI

/// Snapshots listed under their sandbox in the list pane, kept up to date without a terminal.
@Suite struct SnapshotListTests {
    @Test func aSandboxsSnapshotsShowUnderIt() {
        var state = ScreenTests.sampleState()
        Fixture.reduce(&state, .snapshotsFound(["python-3f2a": ["second", "first"]]))
        let lines = Screen.render(state, width: 100, height: 24).text.split(separator: "\n").map(String.init)
        let row = lines.firstIndex { $0.contains("python-3f2a") } ?? -10
        #expect(lines.indices.contains(row + 2) && lines[row + 2].contains("2 snapshots: second, f"), "\(lines)")
        #expect(!lines.contains { $0.contains("agent-77c1") && $0.contains("snapshot") })
        // A click on that line selects its sandbox.
        let layout = ListLayout(state, height: 20)
        let snapshotsLine = layout.lines.first { $0.line == .snapshots(0) }
        #expect(snapshotsLine.map { layout.row(at: $0.y) } == 0)
    }

    @Test func theyAreLookedForWhenSandboxesComeOrGoAndAfterASnapshot() {
        var state = ScreenTests.sampleState()
        let same = state.sandboxes
        #expect(!Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(same))).contains(.findSnapshots), "nothing new")
        #expect(Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(Array(same.dropLast())))).contains(.findSnapshots))
        let snapshot = Snapshot(sandbox: "python-3f2a", label: "first", imageID: "sha256:1", size: 1, created: Date(timeIntervalSince1970: 0),
                                settings: SnapshotSettings(image: "i", runtime: nil, workDir: "/", memoryBytes: nil, cpus: nil, network: .on,
                                                           policy: .isolated, user: nil, ociRuntime: nil, volumes: []))
        #expect(Fixture.reduce(&state, .session(.snapshotSaved(snapshot))).contains(.findSnapshots))
    }
}
