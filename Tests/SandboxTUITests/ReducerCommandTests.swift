import DockerEngine
import Foundation
import SandboxCommands
import SandboxKit
import Testing
@testable import SandboxTUI

/// Every command of the table as the command line enters it, and what comes back from the
/// effects it asks for, through the reducer.
@Suite struct ReducerCommandTests {
    /// The effects of entering `line` on the command line (leaving it clears libedit's line, and
    /// the line goes into the history shared with the REPL).
    static func enter(_ line: String, in state: inout UIState) -> [Effect] {
        Fixture.reduce(&state, .key(.char(":")))
        let effects = Fixture.reduce(&state, .lineEntered(line))
        #expect(effects.prefix(2) == [.clearLine, .remember(line)] && state.focus != .command, "\(line)")
        return Array(effects.dropFirst(2))
    }

    @Test(arguments: [
        ("new", Effect.create(nil)), ("new python", .create("python")),
        ("use box", .perform(.use("box"))), ("ls", .perform(.ls(nil))), ("cat a.txt", .perform(.cat("a.txt"))),
        ("ps", .perform(.ps)), ("stop", .perform(.stop(nil))), ("rm box", .perform(.rm("box"))), ("runtimes", .perform(.runtimes)),
        ("theme light", .loadTheme("light", announce: true)), ("open b.py", .open(path: "b.py", replacing: 0)),
        ("run ls -l", .run(.run("ls -l"))), ("exec echo hi", .run(.exec("echo hi"))), ("!echo hi", .run(.exec("echo hi"))),
        ("save", .save(Save(sandbox: Fixture.owner, path: Fixture.path, text: Fixture.text, thenRun: false))),
        ("run", .save(Save(sandbox: Fixture.owner, path: Fixture.path, text: Fixture.text, thenRun: true))),
        ("quit", .quit),
    ])
    func aCommandAsksForItsEffect(line: String, effect: Effect) {
        var state = Fixture.state()
        #expect(Self.enter(line, in: &state) == [effect], "\(line)")
    }

    @Test func commandsThatOnlyTalk() {
        var state = Fixture.state()
        #expect(Self.enter("help", in: &state).isEmpty && state.message?.text == "keys: ? or F1")
        #expect(state.output.lines.contains { $0.first?.text.contains("open PATH") == true }, "the command list is in the output")
        #expect(Self.enter("write f <<EOF", in: &state).isEmpty && state.message?.isError == true)
        #expect(Self.enter("frobnicate", in: &state).isEmpty && state.message?.text.hasPrefix("unknown command 'frobnicate'") == true)
        #expect(Self.enter("   ", in: &state).isEmpty)
        #expect(Self.enter("new", in: &state) == [.create(nil)] && state.message?.text.hasPrefix("creating a sandbox from") == true)
    }

    /// `new --allow/--add-host`: the policy goes with the create; a bad value is the policy's own
    /// message, makes nothing, and the line stays in the history.
    @Test func newTakesANetworkPolicy() throws {
        var state = Fixture.state()
        let policy = try NetworkPolicy(allow: ["db.internal:5432", "10.0.0.0/8"], hosts: ["db.internal:10.1.2.3"])
        #expect(Self.enter("new --allow db.internal:5432 --add-host db.internal:10.1.2.3 --allow=10.0.0.0/8 busybox", in: &state)
            == [.create("busybox", policy: policy)])
        let current = state.current
        for (line, message) in [("new --allow 10.0.0.1:99999", "--allow '10.0.0.1:99999': the port must be a number from 1 to 65535"),
                                ("new --add-host db busybox", "--add-host 'db': give NAME:IP"),
                                ("new --allow *.*.internal", PolicyError.badRule("*.*.internal", "not a host name, *.domain, IPv4 address or CIDR").description)] {
            #expect(Self.enter(line, in: &state).isEmpty, "\(line)")
            #expect(state.message?.text == message && state.message?.isError == true, "\(line)")
            #expect(state.current == current && state.pending.isEmpty)
        }
    }

    @Test func aSearchLineSearchesInsteadOfRunning() {
        var state = Fixture.state(focus: .output)
        Fixture.reduce(&state, .key(.char("/")))
        #expect(Fixture.reduce(&state, .lineEntered("line 12")) == [.clearLine], "a search stays out of the history")
        #expect(state.output.search == "line 12" && !state.output.following && state.focus == .output)
        #expect(state.message?.text == "/line 12  (n for the next)")
    }

    @Test func openingAModifiedBufferAsksFirst() {
        var state = Fixture.state()
        state.editor?.insert("x")
        #expect(Self.enter("open other.py", in: &state).isEmpty && state.question == .open("other.py"))
        let revision = state.editor?.revision
        #expect(Fixture.reduce(&state, .key(.char("y"))) == [.open(path: "other.py", replacing: revision)])
    }

    @Test func anOpenedFileBecomesTheBuffer() {
        var state = Fixture.state()
        state.editor = nil
        let file = OpenedFile(buffer: EditorBuffer(text: "print(1)\n"), path: "/workspace/b.py", sandbox: "old-box", note: "opened it", replacing: nil)
        #expect(Fixture.reduce(&state, .fileOpened(file)).isEmpty)
        #expect(state.editor?.text == "print(1)\n" && state.editorPath == "/workspace/b.py" && state.editorSandbox == "old-box")
        #expect(state.current == "old-box" && state.selected == 2 && state.focus == .editor && state.message?.text == "opened it")
        // A buffer changed while the file loaded stays.
        state.editor?.insert("x")
        Fixture.reduce(&state, .fileOpened(file))
        #expect(state.editor?.text == "xprint(1)\n" && state.message?.isError == true)
    }

    @Test func aSaveMarksTheBufferAndRunsWhereItBelongs() {
        var state = Fixture.state()
        state.editor?.insert("#")
        let save = Save(sandbox: Fixture.owner, path: Fixture.path, text: "#" + Fixture.text, thenRun: true)
        #expect(Fixture.reduce(&state, .saved(save)) == [.run(.run(Fixture.path))])
        #expect(state.editor?.modified == false && state.running == Fixture.path && state.message?.text.hasPrefix("saved python-3f2a:") == true)
        // Saved into a sandbox that is not current: it becomes current, then the file runs.
        state.running = nil
        state.current = "old-box"
        #expect(Fixture.reduce(&state, .saved(save)) == [.select(Fixture.owner, then: .run(Fixture.path))])
        #expect(Fixture.reduce(&state, .selected(Fixture.owner, then: .run(Fixture.path))) == [.run(.run(Fixture.path))])
        #expect(state.current == Fixture.owner && state.selected == 0)
        // One command at a time.
        #expect(Fixture.reduce(&state, .key(.function(5))).count == 1)
        #expect(Fixture.reduce(&state, .saved(save)).isEmpty && state.message?.text == "a command is running: Ctrl-C cancels it")
        #expect(Fixture.reduce(&state, .commandEnded).isEmpty && state.running == nil)
    }

    @Test func aFailedSaveKeepsTheBuffer() {
        var state = Fixture.state()
        state.editor?.insert("#")
        let save = Save(sandbox: Fixture.owner, path: Fixture.path, text: "#" + Fixture.text, thenRun: true)
        Fixture.reduce(&state, .saveFailed(save, SandboxError.containerGone(name: Fixture.owner, detail: "gone")))
        #expect(state.editor?.modified == true && state.running == nil)
        #expect(state.message?.text.hasPrefix("python-3f2a:/workspace/app.py not saved: ") == true && state.message?.isError == true)
    }

    @Test func runningAFileNeedsOneThatRuns() {
        var state = Fixture.state()
        state.editorPath = "/workspace/notes.txt"
        #expect(Fixture.reduce(&state, .key(.function(5))).isEmpty && state.message?.text.hasPrefix("don't know how to run") == true)
        state.editor = nil
        state.editorPath = nil
        #expect(Fixture.reduce(&state, .key(.function(5))).isEmpty && state.message?.text == "no file open: :open PATH first, or :run CMD")
    }

    @Test func commandsThatEndUpdateTheCurrentSandbox() {
        var state = Fixture.state()
        #expect(Fixture.reduce(&state, .performed(current: "old-box")) == [.refreshList])
        #expect(state.current == "old-box" && state.selected == 2)
        state.pending["python-new1"] = .starting
        #expect(Fixture.reduce(&state, .created(status: 0, current: "python-new1")) == [.refreshList])
        #expect(state.pending.isEmpty && state.current == "python-new1" && state.message?.text.hasPrefix("python-new1 is ready") == true)
    }

    @Test func sessionEventsFillTheOutputAndTheList() {
        var state = UIState()
        Fixture.reduce(&state, .session(.creatingDefault(image: "img")))
        #expect(state.rows.first?.name == Reducer.newRow && state.rows.first?.state == .starting)
        Fixture.reduce(&state, .session(.buildProgress(BuildProgress(runtime: "py", step: 1, totalSteps: 3, line: "FROM x"))))
        #expect(state.rows.first?.state == .building)
        Fixture.reduce(&state, .session(.created(name: "py-1", from: "py", fromPool: false)))
        #expect(state.rows.isEmpty, "the list shows it once the daemon does")
        Fixture.reduce(&state, .session(.execStarted(command: "ls", sandbox: "py-1")), .session(.stdout("a\n")), .session(.stderr("b\n")))
        #expect(state.output.lines.suffix(3).map { $0.map(\.role) } == [[.header], [.stdout], [.stderr]])
        Fixture.reduce(&state, .session(.creatingDefault(image: "img")), .session(.failed(SandboxError.invalidArgument("no such image"))))
        #expect(state.rows.isEmpty && state.message?.text == "error: no such image" && state.message?.isError == true)
        Fixture.reduce(&state, .session(.cancelled))
        #expect(state.message?.text == "error: cancelled")
    }

    @Test func watcherUpdatesKeepTheListAndTheConnection() {
        var state = UIState()
        Fixture.reduce(&state, .watcher(engine: "default", .connected(api: "1.41")))
        #expect(state.connection == .connected(api: "1.41"))
        Fixture.reduce(&state, .watcher(engine: "default", .down(DockerError.daemonUnreachable(.unix(path: "/x"), detail: "refused"))))
        #expect(state.connection == .down("daemon not reachable"))
        let list = ScreenTests.sampleState().sandboxes
        let effects = Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(list)))
        #expect(state.connection == .connecting && state.rows.count == 3)
        #expect(effects == [.clock(true), .trackStats(engine: "default", ["abc", "def"]), .select(Fixture.owner, then: nil), .stopJournal, .findJobs(Fixture.owner),
                            .findSnapshots],
                "the first running sandbox becomes current, its background jobs and the snapshots are looked for")
        #expect(Fixture.reduce(&state, .watcher(engine: "default", .sandboxes([]))) == [.clock(false), .trackStats(engine: "default", []), .findSnapshots])
    }

    @Test func theClockTheTerminalAndTheEnd() {
        var state = UIState()
        let date = Date(timeIntervalSince1970: 5)
        Fixture.reduce(&state, .tick(date), .resized(width: 70, height: 20))
        #expect(state.now == date && state.width == 70 && state.height == 20)
        #expect(Fixture.reduce(&state, .ended) == [.quit] && state.ending == .signal)
    }

    @Test func themesJournalsAndKeptCopies() {
        var state = UIState()
        Fixture.reduce(&state, .themeLoaded(name: "light", announce: true))
        #expect(state.themeName == "light" && state.message?.text == "theme light")
        Fixture.reduce(&state, .themeFailed(ThemeNotFound(name: "x", known: []), kept: "light"))
        #expect(state.message?.text.hasSuffix("; using the light theme") == true)
        Fixture.reduce(&state, .journal([JournalEntry(client: "mcp", tool: "write_file", arguments: ["path": "n.txt"], result: "Wrote", isError: false, milliseconds: 3)]))
        #expect(state.output.lines.suffix(2).first?.first?.text == "agent mcp ▸ write_file path=n.txt  (3 ms)")
        Fixture.reduce(&state, .kept([Fixture.copy]))
        #expect(state.kept == [Fixture.copy] && state.message?.text.contains("F6 reopens them, F7 discards them") == true)
        Fixture.reduce(&state, .lineEdited(text: "op", cursor: 2, candidates: ["open", "ops"]))
        #expect(state.commandText == "op" && state.commandCursor == 2 && state.message?.text == "open  ops")
    }
}
