import Foundation
import Testing

/// The full-screen console in a real terminal (tmux at 120x40) against the real daemon.
@Suite(.timeLimit(.minutes(3))) struct ConsoleTerminalTests {
    @Test func writeRunKillThemeResizeQuit() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: [
            "SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color", "NO_COLOR": ""])
        #expect(try term.wait { $0.contains("Sandboxes (") && $0.contains("connected") }.contains("API 1."))

        // Create a sandbox from the local python image.
        try term.type(":new \(CLITests.python)")
        try term.send("Enter")
        let created = try term.wait(timeout: 30) { $0.contains("now current") && $0.contains("●") }
        guard let name = created.range(of: #"python-[0-9a-f]{4}"#, options: .regularExpression).map({ String(created[$0]) }) else {
            Issue.record("no sandbox in the list:\n\(created)"); return
        }
        defer { _ = try? run(["rm", name]) }

        // Open a new file, type the program, F5 saves and runs it.
        try term.type(":open /workspace/app.py")
        try term.send("Enter")
        try term.wait { $0.contains("/workspace/app.py") && $0.contains("app.py is a new file") }
        for line in ["a, b = 0, 1", "for _ in range(10):", "    print(a, end=\" \")", "a, b = b, a + b"] {
            try term.type(line)
            if line.hasPrefix("a, b = b") { break }
            try term.send("Enter")
        }
        try term.send("F5")
        // The exit line follows the output once the daemon has the exit code: wait for both.
        let ran = try term.wait(timeout: 20) { $0.contains("0 1 1 2 3 5 8 13 21 34") && $0.contains("-- exit 0") }
        #expect(ran.contains("0 1 1 2 3 5 8 13 21 34"), "\(ran)")
        #expect(ran.contains("-- exit 0"))
        #expect(try run(["cat", "\(name):/workspace/app.py"]).stdout.contains("print(a, end=\" \")"))

        // Killed from outside: the list shows it exited (how soon: `make bench`).
        let killed = try run(["/usr/bin/docker", "kill", name], binary: false)
        #expect(killed.status == 0)
        try term.wait { screen in
            screen.split(separator: "\n").contains { $0.contains(name) && $0.contains("exited") }
        }

        // Switch theme (colours change), resize, the help screen.
        try term.send("Escape")
        let before = try term.screen(colors: true)
        try term.type(":theme light")
        try term.send("Enter")
        let after = try term.wait { $0.contains("theme light") }
        #expect(after.contains("theme light"))
        #expect(try term.screen(colors: true) != before)
        // The command line's history is the REPL's: ↑ brings the last line back.
        try term.type(":")
        try term.send("Up")
        try term.wait { $0.split(separator: "\n").contains { $0.hasPrefix(":theme light") } }
        try term.send("Escape")
        try term.resize(width: 90, height: 28)
        let resized = try term.wait { $0.split(separator: "\n").first?.count ?? 0 <= 90 && $0.contains("Output") }
        #expect(resized.split(separator: "\n").allSatisfy { $0.count <= 90 })
        try term.resize(width: 40, height: 10)
        #expect(try term.wait { $0.contains("Terminal too small") }.contains("Terminal too small"))
        try term.resize(width: 120, height: 40)
        try term.type("?")
        #expect(try term.wait { $0.contains("Keys - any key closes") }.contains("save the open file and run it"))
        try term.send("Escape")

        // Quit: the terminal is left clean, with the program's exit status.
        try term.type("q")
        let end = try term.wait { $0.contains("[exited]") }
        #expect(end.contains("[exited] 0"))
        #expect(!end.contains("Sandboxes ("), "the alternate screen is gone:\n\(end)")
        // Entered command lines are in the history file the REPL reads (libedit writes a space as \040).
        let history = try String(contentsOf: state.appendingPathComponent("sandbox/history"), encoding: .utf8)
            .replacingOccurrences(of: "\\040", with: " ")
        for line in ["new \(CLITests.python)", "open /workspace/app.py", "theme light"] {
            #expect(history.split(separator: "\n").contains { $0 == line }, "\(line) in the history:\n\(history)")
        }
    }

    @Test func daemonDownAtStartIsShownNotFatal() throws {
        let term = try Tmux(sandboxBinary.path, width: 100, height: 30, environment: [
            "DOCKER_HOST": "unix:///tmp/no-daemon-here.sock", "TERM": "xterm-256color"])
        let screen = try term.wait { $0.contains("DISCONNECTED") }
        #expect(screen.contains("DISCONNECTED (daemon not reachable) - retrying"), "\(screen)")
        try term.type("q")
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
    }

    @Test func ctrlZSuspendsAndContinueRedraws() throws {
        let term = try Tmux(sandboxBinary.path + " --ascii", width: 100, height: 30, environment: ["TERM": "xterm-256color"])
        try term.wait { $0.contains("+- Sandboxes") }
        try term.send("C-z")
        let suspended = try term.wait { !$0.contains("+- Sandboxes") }
        #expect(!suspended.contains("+- Sandboxes"), "the shell's screen is back while suspended:\n\(suspended)")
        let state = try String(contentsOfFile: "/proc/\(try term.programPID())/status", encoding: .utf8)
        #expect(state.contains("State:\tT"), "stopped while suspended")
        kill(try term.programPID(), SIGCONT)
        let resumed = try term.wait { $0.contains("+- Sandboxes") && $0.contains("connected") }
        #expect(resumed.contains("+- Sandboxes"), "redrawn after SIGCONT:\n\(resumed)")
        try term.type("q")
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
    }

    /// SIGTERM and SIGHUP quit cleanly (status 0); SIGSEGV goes through the crash guard, which
    /// puts the screen and the terminal modes back before the process dies of it (128 + 11).
    /// The "[exited]" line comes from the pane's shell: the signal reached the console only
    /// (libedit's own handling used to re-send it to the whole process group).
    @Test(arguments: [(SIGTERM, "[exited] 0"), (SIGHUP, "[exited] 0"), (SIGSEGV, "[exited] 139")])
    func aSignalRestoresTheTerminal(signal: Int32, status: String) throws {
        let term = try Tmux(sandboxBinary.path + " --ascii", width: 100, height: 30, environment: ["TERM": "xterm-256color"])
        try term.wait { $0.contains("+- Sandboxes") }
        // Signalled while libedit edits the command line: its own handling, were it on, would
        // have the signal (signalled before libedit was set up, the test once passed by luck).
        try term.type(":signalled")
        try term.wait { $0.split(separator: "\n").contains { $0.hasPrefix(":signalled") } }
        kill(try term.programPID(), signal)
        let end = try term.wait { $0.contains("[exited]") }
        #expect(end.contains(status) && !end.contains("+- Sandboxes"), "\(end)")
        let modes = try run(["/bin/stty", "-F", try term.paneTTY(), "-a"], binary: false).stdout
        #expect(modes.contains(" icanon") && modes.contains(" echo ") && !modes.contains("-icanon"), "terminal modes: \(modes)")
    }
}

/// Keys tmux sends in forms the terminfo entry does not name (Home as `\e[1~` under
/// xterm-256color), and sequences nobody defines, stay keys of the editor: none of their bytes
/// reaches the list as a command.
@Suite(.timeLimit(.minutes(3))) struct ConsoleKeyTests {
    @Test(arguments: ["xterm-256color", "screen-256color", "tmux-256color"])
    func editorKeysStayInTheEditor(term name: String) throws {
        let sandbox = "keys-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", sandbox]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", sandbox]).status == 0)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: ["XDG_STATE_HOME": state.path, "TERM": name])
        try term.wait { $0.contains(sandbox) && $0.contains("connected") }
        try term.type(":use \(sandbox)"); try term.send("Enter")
        try term.wait { $0.contains("using \(sandbox)") }
        try term.type(":open /workspace/keys.txt"); try term.send("Enter")
        try term.wait { $0.contains("keys.txt is a new file") }

        try term.type("abc")
        try term.send("Home"); try term.type("X")
        try term.send("End"); try term.type("Y")
        for key in ["PPage", "NPage", "IC", "DC", "F2", "F4", "F8", "F12", "S-Up", "C-Right", "M-Left", "C-Home"] { try term.send(key) }
        try term.sendBytes([0x1B, 0x5B, 0x39, 0x39, 0x7E])  // ESC [ 9 9 ~: defined by nobody
        try term.sendBytes([0x1B, 0x5B, 0x31, 0x3B, 0x35, 0x71])  // ESC [ 1 ; 5 q
        try term.sendBytes([0x1B, 0x4F, 0x7A])  // ESC O z
        try term.type("Zaq")
        // C-Home is Home: "Zaq" lands at the start of the line.
        let typed = try term.wait { $0.contains("ZaqXabcY") }
        #expect(!typed.contains("All containers") && !typed.contains("unsaved changes"), "\(typed)")
        try term.send("C-s")
        try term.wait { $0.contains("saved \(sandbox):/workspace/keys.txt") }
        #expect(try run(["cat", "\(sandbox):/workspace/keys.txt"]).stdout == "ZaqXabcY\n")
        try term.send("Escape"); try term.type("q")
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
    }
}

/// A buffer belongs to the sandbox and path it was opened from, and survives the console.
@Suite(.timeLimit(.minutes(3))) struct ConsoleBufferTests {
    @Test func savesGoToTheBuffersSandboxAndASignalKeepsTheEdits() throws {
        let id = UUID().uuidString.prefix(6).lowercased()
        let (owner, other) = ("own-\(id)", "other-\(id)")
        defer { _ = try? run(["rm", owner]); _ = try? run(["rm", other]) }
        for name in [owner, other] { #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0) }
        #expect(try run(["exec", owner, "--", "sh", "-c", "printf 'one\\r\\ntwo\\r\\n' > /workspace/f.sh && chmod 755 /workspace/f.sh"]).status == 0)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("buffer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let environment = ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"]

        var term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: environment)
        try term.wait { $0.contains(owner) && $0.contains(other) }
        try term.type(":use \(owner)"); try term.send("Enter")
        try term.wait { $0.contains("using \(owner)") }
        try term.type(":open /workspace/f.sh"); try term.send("Enter")
        try term.wait { $0.contains("(2 lines, CRLF)") }
        try term.type("zero "); try term.send("Escape")
        // Another sandbox becomes current; the buffer still saves into its own.
        try term.type(":use \(other)"); try term.send("Enter")
        try term.wait { $0.contains("using \(other)") && $0.contains("\(owner):/workspace/f.sh [+]") }
        try term.send("C-s")
        try term.wait { $0.contains("saved \(owner):/workspace/f.sh") }
        #expect(try run(["cat", "\(owner):/workspace/f.sh"]).stdout == "zero one\r\ntwo\r\n", "CRLF and the final newline kept")
        #expect(try run(["exec", owner, "--", "stat", "-c", "%a", "/workspace/f.sh"]).stdout == "755\n", "the mode kept")
        #expect(try run(["cat", "\(other):/workspace/f.sh"]).status != 0, "nothing landed in the current sandbox")

        // :open of another file with unsaved changes asks; any key but y keeps the buffer.
        try term.send("Tab"); try term.type("more ")
        try term.send("Escape"); try term.type(":open /workspace/else.txt"); try term.send("Enter")
        try term.wait { $0.contains("has unsaved changes: y drops them") }
        try term.type("n")
        try term.wait { $0.contains("\(owner):/workspace/f.sh [+]") && !$0.contains("has unsaved changes") }

        // SIGTERM ends the console without asking; the edits are kept and offered at the next start.
        kill(try term.programPID(), SIGTERM)
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
        term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: environment)
        try term.wait { $0.contains("unsaved edits of \(owner):/workspace/f.sh") && $0.contains("F6 reopens them") }
        try term.send("F6")
        try term.wait { $0.contains("reopened the kept edits") }
        try term.send("C-s")
        try term.wait { $0.contains("saved \(owner):/workspace/f.sh") }
        #expect(try run(["cat", "\(owner):/workspace/f.sh"]).stdout == "zero more one\r\ntwo\r\n")
        try term.send("Escape"); try term.type("q")
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
        let left = try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("sandbox/recovery").path)
        #expect(left.isEmpty, "saved: no recovery copy is left (\(left))")
    }
}

/// Watching an agent: its sandbox is marked in the list and its journal streams into the output pane.
@Suite(.timeLimit(.minutes(2))) struct AgentWatchTests {
    @Test func selectingAnAgentsSandboxFollowsItsJournal() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        // An agent's sandbox: made by `sandbox mcp --keep` through a scripted MCP session.
        let script = """
        import asyncio, os, sys
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client
        async def main():
            params = StdioServerParameters(command=sys.argv[1], args=["mcp", "--keep", "--image", sys.argv[2]], env=dict(os.environ))
            async with stdio_client(params) as (r, w):
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    await s.call_tool("write_file", {"path": "notes.txt", "content": "agent was here"})
        asyncio.run(main())
        """
        let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".venv/bin/python")
        try #require(FileManager.default.fileExists(atPath: python.path), "make test creates .venv")
        let made = try run([python.path, "-c", script, sandboxBinary.path, CLITests.python], environment: ["XDG_STATE_HOME": state.path], binary: false)
        #expect(made.status == 0, "\(made)")
        let agentSandbox = try #require(try run(["ps", "--json"]).stdout.split(separator: "\"").map(String.init)
            .first { $0.hasPrefix("python-") && FileManager.default.fileExists(atPath: state.appendingPathComponent("sandbox/journals/\($0).jsonl").path) })
        defer { _ = try? run(["rm", agentSandbox]) }

        let term = try Tmux(sandboxBinary.path, width: 120, height: 40, environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        // Select it (it may not be the first row): each j makes the next sandbox the current one
        // (marked `*`); the next j waits for that, or two could pass it.
        var screen = try term.wait { $0.contains(agentSandbox) }
        while !screen.contains("following agent journal of \(agentSandbox)") {
            let before = Self.current(in: screen)
            try term.send("j")
            screen = try term.wait { Self.current(in: $0) != before }
        }
        screen = try term.wait { $0.contains("agent mcp ▸ write_file") && $0.contains("Wrote 14 bytes") && $0.contains("agent:mcp") }
        #expect(screen.contains("agent:mcp"), "marked as an agent's in the list:\n\(screen)")
        #expect(screen.contains("agent mcp ▸ write_file"))
        #expect(screen.contains("Wrote 14 bytes to notes.txt"))
        try term.type("q")
        try term.wait { $0.contains("[exited]") }
    }

    /// The name the list marks as the current sandbox.
    static func current(in screen: String) -> String? {
        screen.firstMatch(of: /([A-Za-z0-9][A-Za-z0-9_.-]*)\*/).map { String($0.1) }
    }
}
