import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// The screen rendered on a virtual canvas and compared with golden text.
@Suite struct ScreenTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func sampleState() -> UIState {
        var state = UIState()
        state.now = now
        state.address = "unix:///var/run/docker.sock"
        state.connection = .connected(api: "1.41")
        state.sandboxes = [
            SandboxInfo(name: "python-3f2a", containerID: "abc", image: "sandbox-test/python:3.11", runtime: nil, state: .running,
                        status: "Up", createdBy: .tui, client: nil, created: now.addingTimeInterval(-184), managed: true),
            SandboxInfo(name: "agent-77c1", containerID: "def", image: "python:3.12-slim", runtime: "python-minimal", state: .running,
                        status: "Up", createdBy: .agent, client: "claude", created: now.addingTimeInterval(-42), managed: true,
                        isolation: .allowList),
            SandboxInfo(name: "old-box", containerID: "123", image: "busybox", runtime: nil, state: .exited,
                        status: "Exited (137)", createdBy: .repl, client: nil, created: now.addingTimeInterval(-9000), managed: true),
        ]
        state.current = "python-3f2a"
        state.editor = EditorBuffer(text: "a, b = 0, 1\nfor _ in range(10):\n    print(a, end=\" \")\n    a, b = b, a + b\n")
        state.editorPath = "/workspace/app.py"
        state.focus = .editor
        state.output.commandStarted("python /workspace/app.py", sandbox: "python-3f2a")
        state.output.append("0 1 1 2 3 5 8 13 21 34 ", role: .stdout)
        state.output.commandFinished(exitCode: 0, seconds: 0.081, timedOut: false)
        return state
    }

    /// The golden text; `SANDBOX_UPDATE_GOLDEN=1 swift test` rewrites it from `actual`.
    static func golden(_ name: String, actual: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).txt")
        if ProcessInfo.processInfo.environment["SANDBOX_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func consoleLayout() throws {
        var state = Self.sampleState()
        let canvas = Screen.render(state, width: 100, height: 24)
        #expect(canvas.text + "\n" == (try Self.golden("console-100x24", actual: canvas.text + "\n")), "\n\(canvas.text)")
        // The editor has focus: the cursor sits at line 1, column 1 of the text.
        let editor = Screen.layout(width: 100, height: 24).editor
        #expect(canvas.cursor?.x == editor.x + 1 + 2 + 1 && canvas.cursor?.y == 1)
    }

    @Test func asciiModeDrawsNoUnicode() {
        var state = Self.sampleState()
        state.ascii = true
        let text = Screen.render(state, width: 100, height: 24).text
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(text)")
        #expect(text.contains("+- Sandboxes (3) "))
    }

    @Test func tooSmallSaysSo() {
        var state = Self.sampleState()
        let text = Screen.render(state, width: 50, height: 10).text
        #expect(text.contains("Terminal too small: need 60x15, have 50x10"))
    }

    @Test func rolesFollowMeaning() {
        var state = Self.sampleState()
        let canvas = Screen.render(state, width: 100, height: 24)
        let row = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("0 1 1 2 3 5") }!
        let x = Array(canvas.text.split(separator: "\n", omittingEmptySubsequences: false)[row]).firstIndex(of: "0")!
        #expect(canvas[x, row].role == .stdout)
        #expect(canvas[0, 0].role == .border, "the list is not focused")
        #expect(canvas[32, 0].role == .borderFocus, "the editor is")
        let agentRow = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("agent-77c1") }! + 1
        #expect(canvas[11, agentRow].role == .agent, "after its `allow · ` marker")
    }

    /// An open sandbox's row says so in the error colour, an allow-list's in the info colour, and
    /// selecting the open one tells why.
    @Test func aSandboxsNetworkShowsOnItsRow() throws {
        var state = Self.sampleState()
        state.sandboxes[2].isolation = .open
        state.sandboxes[2].openReason = "the engine at tcp://10.0.0.9:2376 is reached over the network"
        let canvas = Screen.render(state, width: 100, height: 24)
        let lines = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let open = try #require(lines.firstIndex { $0.contains("old-box") }) + 1
        #expect(lines[open].hasPrefix("│  !net · repl · busybox"), "\(lines[open])")
        #expect(canvas[3, open].role == .error && canvas[10, open].role == .dim)
        let allow = try #require(lines.firstIndex { $0.contains("agent-77c1") }) + 1
        #expect(lines[allow].hasPrefix("│  allow · agent:claude"), "\(lines[allow])")
        #expect(canvas[3, allow].role == .info && canvas[11, allow].role == .agent)
        #expect(!lines[1 + (try #require(lines.firstIndex { $0.contains("python-3f2a") }))].contains("net"), "the default isolation shows nothing")

        // Refusals recorded: counted on the row, in the error colour, whatever the network.
        var denied = state
        denied.sandboxes[0].denials = 3
        let deniedLines = Screen.render(denied, width: 100, height: 24).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let isolated = 1 + (try #require(deniedLines.firstIndex { $0.contains("python-3f2a") }))
        #expect(deniedLines[isolated].hasPrefix("│  denied 3 · "), "\(deniedLines[isolated])")

        state.focus = .list
        Fixture.reduce(&state, .key(.down), .key(.down))
        #expect(state.current == "old-box")
        #expect(state.message?.text == "old-box is not isolated from the host's network: the engine at tcp://10.0.0.9:2376 is reached over the network")
        #expect(state.message?.isError == true)
    }

    @Test func wideCharactersTakeTwoCells() {
        var canvas = Canvas(width: 10, height: 1)
        let used = canvas.put("a世界b", x: 0, y: 0, role: .text)
        #expect(used == 6)
        #expect(canvas.text == "a世界b")
        #expect(canvas[1, 0].char == "世" && canvas[2, 0].continuation)
        var narrow = Canvas(width: 4, height: 1)
        narrow.put("ab世界", x: 0, y: 0, role: .text)
        #expect(narrow.text == "ab世", "a wide character that does not fit is left out")
    }

    /// Job output from a sandbox is drawn as it comes: C0, DEL, C1 (U+009B is a CSI to a UTF-8
    /// terminal) and bidi overrides become placeholders, on the canvas and in a recording.
    @Test func controlCharactersNeverReachTheTerminal() {
        var canvas = Canvas(width: 20, height: 1)
        let used = canvas.put("a\u{1B}b\u{7F}c\u{9B}2Jd\u{85}e\u{202E}f\u{2066}g", x: 0, y: 0, role: .text)
        #expect(used == 15)
        #expect(canvas.text == "a?b?c?2Jd?e?f?g")
        var renderer = AnsiRenderer(theme: .builtInDark)
        let bytes = renderer.frame(canvas)
        let sent = bytes.unicodeScalars.filter { $0.value != 0x1B }  // the renderer's own escapes aside
        #expect(!sent.contains { (0x80...0x9F).contains($0.value) || [0x7F, 0x202E, 0x2066].contains($0.value) }, "\(bytes.debugDescription)")
        #expect(CharWidth.of("\u{9B}" as Character) == 1, "a placeholder takes its cell")
    }

    @Test func editorScrollsToTheCursorHorizontally() {
        var state = Self.sampleState()
        var buffer = EditorBuffer(text: String(repeating: "x", count: 300) + "END\n")
        buffer.move(.end)
        state.editor = buffer
        (state.width, state.height) = (100, 24)
        Reducer.settleEditor(&state)  // as every event does
        let canvas = Screen.render(state, width: 100, height: 24)
        #expect(canvas.text.contains("END"))
        #expect(state.editorLeft > 200)
    }

    @Test func statusLineShowsTheConnection() {
        var state = Self.sampleState()
        state.connection = .down("daemon not reachable")
        let text = Screen.render(state, width: 100, height: 24).text
        #expect(text.contains("DISCONNECTED (daemon not reachable) - retrying"))
    }

    /// An egress tab beside a job's: the strip names whose it is, the title how many attempts it
    /// shows, and its lines are the records' (what the sandbox asked for made safe to print).
    @Test func anEgressTabShowsItsSandboxsDenials() throws {
        var state = Self.sampleState()
        state.tabs = [OutputTab(sandbox: "agent-77c1", kind: .job(id: 1, command: "serve"), log: OutputLog()),
                      OutputTab(sandbox: "python-3f2a", kind: .egress(denied: 0), log: OutputLog())]
        state.tab = 2
        let records = [EgressRecord(time: Self.now, kind: .dns, destination: "evil\u{1B}]0;owned\u{7}.example", detail: "AAAA"),
                       EgressRecord(time: Self.now.addingTimeInterval(1), kind: .connection, destination: "10.0.0.9:22/tcp")]
        Fixture.reduce(&state, .egressRecorded(sandbox: "python-3f2a", lines: records.map(\.line)))
        let canvas = Screen.render(state, width: 120, height: 24)
        let lines = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let title = try #require(lines.firstIndex { $0.contains("output job 1 [egress python-3f2a] (F8) - 2 denied so far") }, "\(canvas.text)")
        #expect(lines[title + 1].contains("│2027-01-15T08:00:00Z  dns  evil?]0;owned?.example  AAAA "), "\(lines[title + 1])")
        #expect(lines[title + 2].contains("│2027-01-15T08:00:01Z  connection  10.0.0.9:22/tcp "), "\(lines[title + 2])")
        #expect(!canvas.text.contains("0 1 1 2 3 5"), "the commands' output is not shown")
        #expect(canvas[Screen.layout(width: 120, height: 24).output.x + 1, title + 1].role == .stdout)
    }

    @Test func helpScreenListsTheKeyTable() {
        var state = Self.sampleState()
        state.showHelp = true
        let text = Screen.render(state, width: 100, height: 70).text
        for binding in KeyTable.bindings where !binding.label.isEmpty { #expect(text.contains(binding.label)) }
    }
}
