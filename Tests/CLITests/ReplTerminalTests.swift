import Foundation
import Testing

/// The REPL in a real terminal: prompt, libedit completion, Ctrl-C, Ctrl-D.
@Suite(.timeLimit(.minutes(2))) struct ReplTerminalTests {
    @Test func interactiveSession() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("repl-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux("\(sandboxBinary.path) repl", environment: [
            "SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        try term.waitForPrompt("sandbox>")  // capture-pane drops the space after it
        try term.type("new"); try term.send("Enter")
        let prompt = try term.wait { $0.range(of: #"sandbox\[[a-z0-9-]+\]>"#, options: .regularExpression) != nil }
        #expect(prompt.range(of: #"sandbox\[python-[0-9a-f]{4}\]>"#, options: .regularExpression) != nil, "\(prompt)")

        // Ctrl-C cancels the running command and keeps the REPL.
        try term.type("!echo started; sleep 100; echo not-printed"); try term.send("Enter")
        try term.wait { $0.contains("started") }
        try term.send("C-c")
        try term.wait { $0.contains("cancelled") }
        try term.waitForPrompt()
        try term.type("!ps -o args | grep -c '^sleep 100' || true"); try term.send("Enter")
        let afterCancel = try term.wait { $0.components(separatedBy: "\n").contains("0") }
        #expect(afterCancel.components(separatedBy: "\n").contains("0"), "the sleep was killed:\n\(afterCancel)")
        #expect(!afterCancel.components(separatedBy: "\n").contains("not-printed"))

        // A heredoc's body is file content (here a secret): it stays out of the shared history.
        try term.type("write /workspace/secret.txt <<EOF"); try term.send("Enter")
        try term.waitForPrompt()
        try term.type("password=hunter2"); try term.send("Enter")
        try term.type("EOF"); try term.send("Enter")
        try term.waitForPrompt("]>")

        // Tab completes commands and paths inside the sandbox.
        try term.type("!mkdir -p /workspace/project && touch /workspace/project/main.py"); try term.send("Enter")
        try term.waitForPrompt()
        try term.type("cat /workspace/proj"); try term.send("Tab")
        try term.wait { $0.contains("cat /workspace/project/") }
        try term.type("ma"); try term.send("Tab")
        let completed = try term.wait { $0.contains("cat /workspace/project/main.py") }
        #expect(completed.contains("cat /workspace/project/main.py"))
        try term.send("C-u")
        try term.type("runti"); try term.send("Tab")
        #expect(try term.wait { $0.contains("runtimes") }.contains("runtimes"))
        try term.send("C-u")

        // Ctrl-D on an empty line quits, the sandbox it created is removed, history is saved.
        try term.send("C-d")
        let end = try term.wait { $0.contains("[exited] 0") }
        #expect(end.contains("[exited] 0"))
        let history = try String(contentsOf: state.appendingPathComponent("sandbox/history"), encoding: .utf8)
        #expect(history.contains("new"))
        // libedit writes a space as \040.
        #expect(history.replacingOccurrences(of: "\\040", with: " ").contains("write /workspace/secret.txt <<EOF"), "\(history)")
        #expect(!history.contains("hunter2"), "\(history)")
    }
}
