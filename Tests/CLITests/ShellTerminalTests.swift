import Foundation
import Testing

/// `sandbox shell` and the REPL's `shell` in a real terminal: raw mode, the size followed, the
/// exit code passed on, the terminal given back.
@Suite(.timeLimit(.minutes(2))) struct ShellTerminalTests {
    @Test func shellInThePlainTerminal() throws {
        let name = "cli-shell-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        // tmux sets the pane's TERM itself; the shell gets the same.
        let term = try Tmux("stty -g > /tmp/\(name).before; echo \"host=$TERM\"; \(sandboxBinary.path) shell \(name)", width: 100, height: 30)
        defer { try? FileManager.default.removeItem(atPath: "/tmp/\(name).before") }
        try term.waitForPrompt("#")
        try term.type("stty size; echo \"shell=$TERM sum=$((40+2))\""); try term.send("Enter")
        let first = try term.wait { $0.contains("sum=42") }
        let host = first.components(separatedBy: "\n").first { $0.hasPrefix("host=") }.map { String($0.dropFirst(5)) }
        #expect(first.contains("30 100") && host != nil && first.contains("shell=\(host ?? "?") sum"), "\(first)")

        try term.resize(width: 90, height: 25)
        // SIGWINCH reaches us, then the daemon, then the shell: wait in the sandbox until it has.
        try term.type("clear; until [ \"$(stty size)\" = '25 90' ]; do sleep 0.1; done; stty size"); try term.send("Enter")
        try term.wait { $0.contains("25 90\n") }

        // Raw mode: Ctrl-C reaches the shell in the sandbox (it ends `sleep`, not us).
        try term.type("sleep 100; echo after-$((1+1))"); try term.send("Enter")
        // Once `sleep` runs it is the terminal's foreground (bash hands it over before the exec):
        // a Ctrl-C sent earlier can land while bash still holds the terminal, and is not a test of raw mode.
        let running = "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = sleep ] && exit 0; done; exit 1"
        for attempt in 0... {
            if try run(["exec", name, "--", "sh", "-c", running]).status == 0 { break }
            if attempt == 200 { Issue.record("sleep never ran in the shell"); return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try term.send("C-c")
        try term.waitForPrompt("#")
        try term.type("echo still-here"); try term.send("Enter")
        let after = try term.wait { $0.contains("still-here\n") }
        #expect(!after.contains("after-2\n"), "\(after)")

        try term.type("exit 7"); try term.send("Enter")
        try term.wait { $0.contains("[exited] 7") }
        // The terminal's modes are as they were before.
        try term.type("stty -g | cmp - /tmp/\(name).before && echo modes-restored"); try term.send("Enter")
        try term.wait { $0.contains("modes-restored\n") }
    }

    @Test func aCommandInsteadOfTheShellAndSignals() throws {
        let name = "cli-shell-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        let term = try Tmux("\(sandboxBinary.path) shell \(name) -- python3 -q", environment: ["TERM": "xterm-256color"])
        try term.waitForPrompt(">>>")
        try term.type("6*7"); try term.send("Enter")
        try term.wait { $0.contains("\n42\n") }

        // SIGTERM ends the program and the process it started in the sandbox.
        kill(try term.programPID(), SIGTERM)
        try term.wait { $0.contains("[exited] 143") }
        let left = try run(["exec", name, "--", "for p in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $p; echo; done | grep -c '^python3 -q' || true"])
        #expect(left.stdout == "0\n", "\(left)")

        // Without a terminal it says so.
        let piped = try run(["shell", name])
        #expect(piped.status == 1 && piped.stderr.contains("needs a terminal"), "\(piped)")
    }

    @Test func theReplHandsTheTerminalOver() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("repl-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux("\(sandboxBinary.path) repl", environment: [
            "SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        try term.waitForPrompt("sandbox>")
        try term.type("new"); try term.send("Enter")
        try term.waitForPrompt("]>")
        try term.type("shell"); try term.send("Enter")
        try term.waitForPrompt("#")
        try term.type("echo in-shell-$((6*7)); exit 3"); try term.send("Enter")
        try term.wait { $0.contains("in-shell-42") }
        try term.waitForPrompt("]>")
        // libedit reads the next line as before: the shell's key reader has stopped.
        try term.type("!echo back-$((1+1))"); try term.send("Enter")
        try term.wait { $0.contains("back-2\n") }
        try term.send("C-d")
        try term.wait { $0.contains("[exited] 0") }
    }
}
