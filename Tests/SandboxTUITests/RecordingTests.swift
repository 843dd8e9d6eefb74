import Foundation
import Testing
@testable import SandboxTUI

/// The recorder's file: asciicast v2, frames as the cells that changed, a theme change or a
/// resize drawn whole. (Its replay in a real terminal: DemoTerminalTests.)
@MainActor @Suite struct RecordingTests {
    func events(_ url: URL) throws -> (header: [String: Any], events: [(Double, String, String)]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let events = try lines.dropFirst().map { line -> (Double, String, String) in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            return (try #require(event[0] as? Double), try #require(event[1] as? String), try #require(event[2] as? String))
        }
        return (header, events)
    }

    @Test func framesThenChangesThenWholeFramesAgain() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).cast")
        defer { try? FileManager.default.removeItem(at: url) }
        var state = ScreenTests.sampleState()
        let recorder = try ScreenRecorder(path: url.path, theme: .builtInDark, width: 100, height: 24)
        try recorder.record(Screen.render(state, width: 100, height: 24))
        state.editor?.insert("x")
        try recorder.record(Screen.render(state, width: 100, height: 24))
        recorder.apply(try Theme.parse("text = #000000 on #ffffff\n", name: "plain", file: "test"))
        try recorder.record(Screen.render(state, width: 100, height: 24))
        try recorder.record(Screen.render(state, width: 80, height: 20))
        recorder.close()

        let (header, events) = try events(url)
        #expect(header["version"] as? Int == 2 && header["width"] as? Int == 100 && header["height"] as? Int == 24)
        #expect(events.map(\.1) == ["o", "o", "o", "r", "o"])
        #expect(events.map(\.0) == events.map(\.0).sorted())
        #expect(events[3].2 == "80x20")
        let clear = "\u{1B}[2J"
        #expect(events[0].2.contains(clear) && events[0].2.contains("24;1H"), "the first frame is whole")
        #expect(!events[1].2.contains(clear) && events[1].2.count < events[0].2.count / 4, "a keystroke is a few cells: \(events[1].2.debugDescription)")
        #expect(events[1].2.contains("x"))
        #expect(events[2].2.contains(clear) && events[2].2.contains("38;2;0;0;0"), "a new theme is drawn whole, in its colours")
        #expect(events[4].2.contains(clear))
    }

    @Test func anUnwritablePathSaysSo() {
        #expect(throws: ScreenRecorder.Failed.self) {
            try ScreenRecorder(path: "/nonexistent-dir/x.cast", theme: .builtInDark, width: 80, height: 24)
        }
    }
}
