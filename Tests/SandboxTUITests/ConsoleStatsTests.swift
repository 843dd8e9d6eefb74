import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// Live stats on the headless console against the real daemon.
extension ConsoleAppTests {
    static let busybox = ProcessInfo.processInfo.environment["SANDBOX_TEST_BUSYBOX_IMAGE"] ?? "sandbox-test/busybox:latest"

    /// The second line of `name`'s row and the list's bottom border, as the list pane draws them.
    static func statsLines(_ screen: String, _ name: String) -> (row: String, border: String)? {
        let width = Screen.layout(width: 120, height: 40).list.width
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.prefix(width)) }
        guard lines.count == 40, let row = lines.firstIndex(where: { $0.contains(name) }) else { return nil }
        return (lines[row + 1], lines[37])
    }

    @Test func statsShowForARunningSandboxAndGoWhenItStops() async throws {
        let console = try Harness()
        let sandbox = DockerSandbox(image: Self.busybox, labels: ["sandbox.test": "true"])
        await console.drive {
            try await sandbox.start()
            try await console.until("the new sandbox in the list") { _, screen in screen.contains(sandbox.name) }
            let id = try #require(console.state.rows.first { $0.name == sandbox.name }?.containerID)
            console.command("use \(sandbox.name)")
            // Three rounds: CPU % needs two samples, the sparkline two figures.
            let shown = try await console.until("CPU and memory, and the sparkline") { state, screen in
                state.selectedSandbox?.name == sandbox.name && (state.stats[id]?.cpuHistory.count ?? 0) >= 2
                    && Self.statsLines(screen, sandbox.name)?.border.contains("cpu") == true
            }
            let lines = try #require(Self.statsLines(shown, sandbox.name))
            #expect(lines.row.firstMatch(of: /[0-9.]+% [0-9.]+[KMG]?\/[0-9.]+[KMG]/) != nil, "the row's CPU and MEM columns: \(lines.row)")
            #expect(lines.border.firstMatch(of: /cpu[▁▂▃▄▅▆▇█]{2,}/) != nil, "the selected sandbox's sparkline: \(lines.border)")

            console.command("stop \(sandbox.name)")
            try await console.until("the figures gone with the stop") { state, screen in
                guard let lines = Self.statsLines(screen, sandbox.name) else { return false }
                return state.stats[id] == nil && state.rows.first { $0.name == sandbox.name }?.isRunning == false
                    && lines.row.contains("sandbox") && !lines.row.contains("%") && !lines.border.contains("cpu")
            }
        }
        try? await sandbox.stop()
    }
}
