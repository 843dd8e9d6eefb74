import Foundation
import Testing

/// Background jobs and forwarded ports in the console, in a real terminal (tmux) against the real
/// daemon: a job's tab keeps filling while the editor is used and is there again in a console
/// started later; a server demo shows its job, its forward and a URL that answers.
@Suite(.timeLimit(.minutes(3)), .enabled(if: ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"))
struct ConsoleJobTerminalTests {
    /// The `tick-N` numbers on a screen.
    static func ticks(_ screen: String) -> [Int] {
        screen.matches(of: /tick-([0-9]+)/).compactMap { Int($0.1) }
    }

    static func environment(state: URL, config: URL? = nil) -> [String: String] {
        ["SANDBOX_DEFAULT_IMAGE": CLITests.python, "XDG_STATE_HOME": state.path, "TERM": "xterm-256color", "NO_COLOR": ""]
            .merging(config.map { ["XDG_CONFIG_HOME": $0.path] } ?? [:]) { $1 }
    }

    @Test func aJobsOutputKeepsComingWhileEditingAndAfterARestart() throws {
        let name = "console-job-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        try #require(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }

        var lastSeen = 0
        do {
            let term = try Tmux(sandboxBinary.path, environment: Self.environment(state: state))
            try term.wait { $0.contains(name) && $0.contains("connected") }
            try term.type(":use \(name)"); try term.send("Enter")
            try term.wait { $0.contains("\(name)*") }
            try term.type(":bg i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done"); try term.send("Enter")
            try term.wait { $0.contains("[job 1]") && Self.ticks($0).contains(2) }

            // The editor has the keys; the job's tab keeps filling beside it.
            try term.type(":open /workspace/notes.txt"); try term.send("Enter")
            let opened = try term.wait { $0.contains("notes.txt is a new file") }
            let before = Self.ticks(opened).max() ?? 0
            try term.type("typed while the job runs")
            let edited = try term.wait { $0.contains("typed while the job runs") && (Self.ticks($0).max() ?? 0) >= before + 5 }
            #expect(edited.contains("notes.txt [+]") && edited.contains("[job 1] (F8)"), "\(edited)")
            try term.send("C-s")
            try term.wait { $0.contains("saved \(name):/workspace/notes.txt") }
            lastSeen = Self.ticks(try term.screen()).max() ?? 0
            try term.send("Escape")
            try term.type("q")
            try term.wait { $0.contains("[exited] 0") }
        }

        // A console started later finds the job, shows what the sandbox kept of it, and follows it.
        let term = try Tmux(sandboxBinary.path, environment: Self.environment(state: state))
        try term.wait { $0.contains(name) && $0.contains("connected") }
        try term.type(":use \(name)"); try term.send("Enter")
        try term.wait { $0.contains("[output] job 1 (F8)") }
        try term.send("F8")
        // What the sandbox kept arrives (the ticks the first console saw, a tick a second: the
        // pane's 16 rows hold them), then what the job prints.
        let kept = try term.wait {
            $0.contains("[job 1] (F8) - running in \(name): i=0; while true;") && (Self.ticks($0).max() ?? 0) >= lastSeen
        }
        #expect((Self.ticks(kept).min() ?? .max) < lastSeen, "output from before the restart:\n\(kept)")
        try term.wait { (Self.ticks($0).max() ?? 0) > lastSeen + 3 }
        try term.type("q")
        try term.wait { $0.contains("[exited] 0") }
    }

    /// `sandbox demo` of a runtimes.toml runtime whose sample is a server: the job's tab, the
    /// forward on the list and the status line, and the URL, which answers until the console ends.
    @Test func aServerDemoShowsTheJobAndAWorkingForwardedURL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config"), sample = dir.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: config.appendingPathComponent("sandbox"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try "cd \"$(dirname \"$0\")\" && exec python3 -m http.server 8000\n".write(to: sample.appendingPathComponent("main.sh"), atomically: true, encoding: .utf8)
        try "hello from the server demo\n".write(to: sample.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "[web-demo]\nimage = \"\(CLITests.python)\"\nsample = \"../../site\"\nport = 8000\n"
            .write(to: config.appendingPathComponent("sandbox/runtimes.toml"), atomically: true, encoding: .utf8)

        let term = try Tmux("\(sandboxBinary.path) demo web-demo", environment: Self.environment(state: dir.appendingPathComponent("state"), config: config))
        let shown = try term.wait(timeout: 60) { $0.contains("demo: serving at http://") }
        let name = shown.firstMatch(of: /web-demo-[0-9a-f]{4}/).map { String($0.0) }
        defer { if let name { _ = try? run(["rm", name]) } }
        let url = try #require(shown.firstMatch(of: /http:\/\/127\.0\.0\.1:([0-9]+)\//), "\(shown)")
        #expect(shown.contains("[job 1] (F8) - running in web-demo-") && shown.contains(": sh /workspace/main.sh"), "the job's tab:\n\(shown)")
        #expect(shown.contains("exec python3 -m http.server 8000"), "the sample in the editor:\n\(shown)")
        #expect(shown.contains("port 8000 ·"), "the forward on the sandbox's row:\n\(shown)")
        #expect(shown.split(separator: "\n").last?.contains(":8000→127.0.0.1:\(url.1)") == true, "the status line:\n\(shown)")

        let page = try run(["/usr/bin/curl", "-sS", String(url.0)], binary: false)
        #expect(page.status == 0 && page.stdout == "hello from the server demo\n", "\(page)")
        // The server's request log arrives in the job's tab.
        try term.wait { $0.contains("\"GET / HTTP/1.1\" 200") }

        try term.send("Escape")
        try term.type("q")
        try term.wait { $0.contains("[exited] 0") }
        let after = try run(["/usr/bin/curl", "-sS", String(url.0)], binary: false)
        #expect(after.status == 7, "the forward closed with the console: \(after)")
    }
}
