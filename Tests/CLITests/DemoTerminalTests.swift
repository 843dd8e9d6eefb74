import Foundation
import Testing

/// `sandbox demo` in a real terminal: the shipped python-minimal sample (runtimes.toml points the
/// built-in at the local test image) opens coloured in the editor and runs; `--record` writes an
/// asciicast v2 file whose replay, through `cat` into another terminal, shows the same screen.
@Suite(.timeLimit(.minutes(3))) struct DemoTerminalTests {
    @Test func demoShowsTheSampleRunsItAndRecordsTheScreen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config/sandbox")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[python-minimal]\nimage = \"\(CLITests.python)\"\n".write(to: config.appendingPathComponent("runtimes.toml"), atomically: true, encoding: .utf8)
        let cast = dir.appendingPathComponent("demo.cast")
        let term = try Tmux("\(sandboxBinary.path) demo --record \(cast.path) python-minimal", width: 120, height: 40, environment: [
            "XDG_CONFIG_HOME": dir.appendingPathComponent("config").path, "XDG_STATE_HOME": dir.appendingPathComponent("state").path,
            "TERM": "xterm-256color", "NO_COLOR": ""])
        let shown = try term.wait(timeout: 60) { $0.contains("words in total: 29") && $0.contains("-- exit 0") }
        let name = shown.range(of: #"python-minimal-[0-9a-f]{4}"#, options: .regularExpression).map { String(shown[$0]) }
        defer { if let name { _ = try? run(["rm", name]) } }
        #expect(shown.contains("/workspace/main.py") && shown.contains("from collections import Counter"), "the sample in the editor:\n\(shown)")
        #expect(shown.contains("[REC]"))

        // Coloured: `from` and `import` in the dark theme's bold keyword colour (#87afff is xterm 111), `Counter` plain.
        let coloured = try term.screen(colors: true).split(separator: "\n").first { $0.contains("collections") } ?? ""
        #expect(coloured.contains("\u{1B}[1m\u{1B}[38;5;111mfrom") && coloured.contains("\u{1B}[38;5;111mimport"), "\(coloured.debugDescription)")

        let last = try term.screen()
        try term.send("Escape")  // out of the editor, where q would be text
        try term.type("q")
        try term.wait { $0.contains("[exited]") }

        // asciicast v2: a header, then [time, "o", data] in order.
        let lines = try String(contentsOf: cast, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2 && header["width"] as? Int == 120 && header["height"] as? Int == 40)
        #expect((header["timestamp"] as? Int ?? 0) > 1_600_000_000)
        var times: [Double] = []
        var output = ""
        for line in lines.dropFirst() {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            let time = try #require(event.first as? Double), kind = try #require(event[1] as? String), data = try #require(event[2] as? String)
            #expect(kind == "o" && event.count == 3)
            times.append(time)
            output += data
        }
        #expect(times.count > 2 && times == times.sorted(), "\(times)")

        // Replayed into a terminal of the same size, it ends on the screen the console showed
        // (the panes right of the list: the list's ages keep ticking).
        let raw = dir.appendingPathComponent("demo.raw")
        try Data(output.utf8).write(to: raw)
        let replay = try Tmux("cat \(raw.path); exec sleep 600", width: 120, height: 40, environment: ["TERM": "xterm-256color"])
        func panes(_ screen: String) -> [String] { screen.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.dropFirst(33)) } }
        let replayed = try replay.wait { panes($0) == panes(last) }
        #expect(panes(replayed) == panes(last))
    }
}
