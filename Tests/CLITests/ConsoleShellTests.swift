import Foundation
import Testing

/// The console's shell pane in a real terminal (tmux) against the real daemon: libvterm draws
/// the shell inside the console, the size follows the window, leaving keeps the shell.
@Suite(.timeLimit(.minutes(3))) struct ConsoleShellTests {
    @Test func aShellInAPaneOfTheConsole() throws {
        let name = "console-shell-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: [
            "SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color", "NO_COLOR": ""])
        try term.wait { $0.contains(name) && $0.contains("connected") }
        try term.type(":use \(name)"); try term.send("Enter")
        try term.wait { $0.contains("\(name)*") }
        try term.type(":shell"); try term.send("Enter")
        try term.wait { $0.contains("shell: \(name)") && $0.contains("root@") }

        // The pane is the space beside the list (layout at 120x40: 85x36 inside its border),
        // and follows the window.
        try term.type("stty size; echo size-$((1+1))"); try term.send("Enter")
        #expect(try term.wait { $0.contains("size-2") }.contains("36 85"))
        try term.resize(width: 100, height: 30)
        try term.type("clear; stty size; echo resized-$((1+1))"); try term.send("Enter")
        #expect(try term.wait { $0.contains("resized-2") }.contains("26 70"))

        // Colours come through: red text is red on the real terminal.
        try term.type("clear; printf '\\033[31mred-text\\033[0m\\n'"); try term.send("Enter")
        try term.wait { $0.contains("red-text\n") || $0.contains("red-text ") }
        let colored = try term.screen(colors: true)
        #expect(colored.range(of: "\u{1B}\\[31m(?:\u{1B}\\[[0-9;]*m)*red-text", options: .regularExpression) != nil,
                "\(colored.debugDescription)")

        // A full-screen program's keys and screen: python's prompt.
        try term.type("python3 -q"); try term.send("Enter")
        try term.wait { $0.contains(">>>") }
        try term.type("1+1"); try term.send("Enter")
        // The answer alone on its line of the pane, between the pane's borders.
        try term.wait { $0.range(of: "│2 +│", options: .regularExpression) != nil }
        try term.type("exit()"); try term.send("Enter")

        // Leaving keeps the shell (and its variables); :shell returns to it.
        try term.type("clear; KEPT=kept-$((2*3))"); try term.send("Enter")
        try term.send("C-]")
        let left = try term.wait { $0.contains("keeps running") }
        #expect(!left.contains("shell: \(name)") && left.contains("shell · cli"), "\(left)")
        try term.type(":shell"); try term.send("Enter")
        try term.wait { $0.contains("shell: \(name)") }
        try term.type("echo \"$KEPT\""); try term.send("Enter")
        try term.wait { $0.contains("kept-6\n") || $0.contains("kept-6 ") }

        // exit closes it.
        try term.type("exit"); try term.send("Enter")
        try term.wait { $0.contains("the shell in \(name) ended (exit 0)") }
        try term.send("q")
        try term.wait { $0.contains("[exited] 0") }
    }
}
