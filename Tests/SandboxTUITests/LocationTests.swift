import SandboxKit
import Testing
@testable import SandboxCommands
@testable import SandboxTUI

/// F4's reading of output lines, and its way through the output into the editor, without a terminal.
@Suite struct LocationTests {
    @Test(arguments: [
        (#"  File "/workspace/app.py", line 12, in <module>"#, FileLocation(path: "/workspace/app.py", line: 12)),
        (#"  File "app.py", line 3"#, FileLocation(path: "app.py", line: 3)),
        ("src/main.c:10:5: error: expected ';'", FileLocation(path: "src/main.c", line: 10, column: 5)),
        ("/workspace/a.py:7: def f():", FileLocation(path: "/workspace/a.py", line: 7)),
        ("tests/test_x.py:12: AssertionError", FileLocation(path: "tests/test_x.py", line: 12)),
        ("app.py:3:1: E302 expected 2 blank lines", FileLocation(path: "app.py", line: 3, column: 1)),
        ("    at main (/app/index.js:10:15)", FileLocation(path: "/app/index.js", line: 10, column: 15)),
        ("    at /app/index.js:4:7", FileLocation(path: "/app/index.js", line: 4, column: 7)),
        ("/app/index.js:3", FileLocation(path: "/app/index.js", line: 3)),
    ] as [(String, FileLocation)])
    func linesThatNameALocation(line: String, location: FileLocation) {
        #expect(FileLocation.find(in: line) == location)
    }

    @Test(arguments: [
        #"  File "<stdin>", line 1, in <module>"#,
        "    at Module._compile (node:internal/modules/cjs/loader:1105:14)",
        "serving on 127.0.0.1:8000",
        "127.0.0.1:8000 ready",
        "localhost:8000",
        "see http://example.com:8080/x",
        "12:30:45 started",
        "-- exit 1, 0.1s",
        "ValueError: bad value",
    ])
    func linesThatDoNot(line: String) {
        #expect(FileLocation.find(in: line) == nil)
    }

    static let traceback = """
        Traceback (most recent call last):
          File "/workspace/app.py", line 5, in <module>
            main()
          File "/workspace/lib.py", line 2, in main
            raise ValueError("x")
        ValueError: x

        """

    static func failedRun(_ state: inout UIState) {
        Fixture.reduce(&state, .session(.execStarted(command: "python3 app.py", sandbox: Fixture.owner)),
                       .session(.stderr(traceback)))
    }

    @Test func f4GoesThroughTheNewestCommandsLocationsIntoTheEditor() {
        var state = Fixture.state(focus: .output)
        state.current = Fixture.owner
        state.editor = EditorBuffer(text: (1...9).map { "line \($0)" }.joined(separator: "\n"))
        state.output.note("  File \"/workspace/old.py\", line 1", role: .stderr)  // before the newest command: not visited
        Self.failedRun(&state)

        // The open file: only its cursor moves, and the editor takes the focus.
        #expect(Fixture.reduce(&state, .key(.function(4))).isEmpty)
        #expect(state.editor?.line == 4 && state.focus == .editor)
        #expect(state.message?.text == "/workspace/app.py:5")
        #expect(state.output.locationRow(height: state.outputHeight) != nil, "the line gone to is shown")

        // Another file: opened, then its cursor put on the line once it arrives.
        #expect(Fixture.reduce(&state, .key(.function(4))) == [.open(path: "/workspace/lib.py", replacing: state.editor?.revision)])
        Fixture.reduce(&state, .fileOpened(OpenedFile(buffer: EditorBuffer(text: "def main():\n    raise ValueError('x')\n"),
                                                      path: "/workspace/lib.py", sandbox: Fixture.owner, note: "opened", replacing: nil)))
        #expect(state.editorPath == "/workspace/lib.py" && state.editor?.line == 1)

        // No more: said, and nothing moves.
        #expect(Fixture.reduce(&state, .key(.function(4))).isEmpty)
        #expect(state.message?.isError == true && state.editor?.line == 1)

        // Shift-F4 goes back.
        #expect(Fixture.reduce(&state, .key(.function(16))) == [.open(path: "/workspace/app.py", replacing: state.editor?.revision)])
        #expect(state.pendingLocation == FileLocation(path: "/workspace/app.py", line: 5))
    }

    @Test func aNewCommandStartsAfresh() {
        var state = Fixture.state(focus: .output)
        state.current = Fixture.owner
        state.editorPath = "/workspace/app.py"
        Self.failedRun(&state)
        Fixture.reduce(&state, .key(.function(4)), .key(.function(4)))
        Self.failedRun(&state)
        state.editorPath = "/workspace/app.py"
        state.focus = .output
        _ = Fixture.reduce(&state, .key(.function(4)))
        #expect(state.message?.text == "/workspace/app.py:5", "the newest run's first location, not the old run's second")
    }

    @Test func grepsOutputIsWhereF4Starts() {
        var state = Fixture.state(focus: .output)
        state.current = Fixture.owner
        Self.failedRun(&state)
        #expect(Fixture.reduce(&state, .lineEntered("grep 'raise' .")).contains(.perform(.grep(pattern: "raise", path: "."))))
        Fixture.reduce(&state, .session(.listing(Format.grep(GrepResult(matches: [GrepMatch(path: "/workspace/lib.py", line: 2, text: "    raise ValueError(\"x\")")], truncated: false)))))
        #expect(Fixture.reduce(&state, .key(.function(4))) == [.open(path: "/workspace/lib.py", replacing: state.editor?.revision)])
    }

    @Test func aModifiedBufferIsAskedAboutFirst() {
        var state = Fixture.state(focus: .output)
        state.current = Fixture.owner
        state.editor?.insert("edit")
        Self.failedRun(&state)
        state.editorPath = "/workspace/other.py"
        #expect(Fixture.reduce(&state, .key(.function(4))).isEmpty)
        #expect(state.question == .open("/workspace/app.py"))
        #expect(Fixture.reduce(&state, .key(.char("y"))) == [.open(path: "/workspace/app.py", replacing: state.editor?.revision)])
        #expect(state.pendingLocation?.line == 5)
        // An open that fails, or a question declined, leaves no jump for a later open of that file.
        Fixture.reduce(&state, .session(.failed(SandboxError.fileNotFound("/workspace/app.py"))))
        #expect(state.pendingLocation == nil)
        state.output.note("  File \"/workspace/lib.py\", line 2", role: .stderr)
        Fixture.reduce(&state, .key(.function(4)))
        #expect(state.question == .open("/workspace/lib.py") && state.pendingLocation?.line == 2)
        Fixture.reduce(&state, .key(.char("n")))
        #expect(state.pendingLocation == nil)
    }

    @Test func samePaths() {
        #expect(Reducer.samePath("/workspace/app.py", "app.py") && Reducer.samePath("./app.py", "/workspace/app.py"))
        #expect(!Reducer.samePath("/workspace/app.py", "/other/app.py") && !Reducer.samePath("/workspace/xapp.py", "app.py"))
    }
}

/// Output from a sandbox made to be slow to match: F4 still reads past it (a quadratic pattern
/// here would take minutes, and the time limit fails it; `make bench` has no figure for it).
@Suite(.timeLimit(.minutes(1))) struct LocationHostileOutputTests {
    @Test func linesMadeToBacktrackAreReadQuickly() {
        let lines = [String(repeating: "at ", count: 1_365), String(repeating: "a:", count: 2_000) + "x",
                     "File \"" + String(repeating: "\"", count: 4_000), String(repeating: " at (", count: 800) + ":1:2"]
        var log = OutputLog()
        for _ in 0..<200 { for line in lines { log.note(line, role: .stdout) } }
        log.note("  File \"/workspace/app.py\", line 9, in <module>", role: .stderr)
        #expect(log.goToLocation(forward: true, viewHeight: 20) == FileLocation(path: "/workspace/app.py", line: 9))
    }
}
