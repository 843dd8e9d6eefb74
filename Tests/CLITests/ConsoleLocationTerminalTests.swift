import Foundation
import Testing

/// F4 and Shift-F4 in a real terminal: a traceback's frames opened in the editor at their lines
/// (and Tab completing the path that opens the file first).
@Suite(.timeLimit(.minutes(3))) struct ConsoleLocationTerminalTests {
    @Test func f4FollowsATraceback() throws {
        let name = "locations-\(UUID().uuidString.prefix(6).lowercased())"
        try #require(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        defer { _ = try? run(["rm", name]) }
        let script = "printf 'import lib\\nprint(\"start\")\\nlib.fail()\\n' > /workspace/app.py && "
            + "printf 'def fail():\\n    x = 1\\n    raise ValueError(\"boom\")\\n' > /workspace/lib.py"
        #expect(try run(["exec", name, "--", "sh", "-c", script]).status == 0)

        let state = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: [
            "SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color", "NO_COLOR": ""])
        try term.wait { $0.contains("Sandboxes (") && $0.contains("connected") }
        try term.type(":use \(name)")
        try term.send("Enter")
        // Tab completes a path of the sandbox (found as an effect, then handed to libedit).
        try term.type(":open /workspace/ap")
        try term.send("Tab")
        try term.wait { $0.contains(":open /workspace/app.py") }
        try term.send("Enter")
        try term.wait { $0.contains("lib.fail()") }
        try term.send("F5")
        try term.wait(timeout: 30) { $0.contains("ValueError: boom") && $0.contains("-- exit 1") }

        // The editor's title names the file and the cursor's line:column.
        func editing(_ file: String, line: Int) -> (String) -> Bool { { $0.contains("─ /workspace/\(file)  \(line):") } }
        // The first frame is in the open file: its cursor moves, the status line names the place.
        try term.send("F4")
        try term.wait { editing("app.py", line: 3)($0) && $0.contains("/workspace/app.py:3") }
        // The second is another file: opened at its line.
        try term.send("F4")
        let opened = try term.wait { editing("lib.py", line: 3)($0) && $0.contains("at line 3") }
        #expect(opened.contains("raise ValueError"))
        // Shift-F4, as the terminal sends it, goes back.
        try term.send("S-F4")
        try term.wait(for: editing("app.py", line: 3))
        try term.send("F4")
        try term.wait(for: editing("lib.py", line: 3))
        try term.send("F4")
        try term.wait { $0.contains("no next location") }
        try term.send("Escape")
        try term.type("q")
        try term.wait { $0.contains("[exited]") }
    }
}
