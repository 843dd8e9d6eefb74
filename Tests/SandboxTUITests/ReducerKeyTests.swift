import Foundation
import SandboxCommands
import Testing
@testable import SandboxTUI

/// Every row of the key table, through the reducer: each key of the row, in the row's pane.
@Suite struct ReducerKeyTests {
    typealias Check = @Sendable (_ key: Key) -> Void

    /// What each row does, by "scope/label". A row without an entry fails ``everyRowDoesWhatItSays``.
    static let checks: [String: Check] = [
        "Everywhere/F5 / Ctrl-R": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.save(Save(sandbox: Fixture.owner, path: Fixture.path, text: Fixture.text, thenRun: true))])
        },
        "Everywhere/Ctrl-S": { key in
            var state = Fixture.state(focus: .output)
            #expect(Fixture.reduce(&state, .key(key)) == [.save(Save(sandbox: Fixture.owner, path: Fixture.path, text: Fixture.text, thenRun: false))])
        },
        "Everywhere/Ctrl-C": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)).isEmpty && state.message?.text == "nothing is running (q quits)")
            state.running = "sleep 9"
            #expect(Fixture.reduce(&state, .key(key)) == [.cancelRunning])
        },
        "Everywhere/Shift-Tab": { key in
            var state = Fixture.state()
            Fixture.reduce(&state, .key(key))
            #expect(state.focus == .output)
        },
        "Everywhere/Tab": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(state.focus == .list)
        },
        "Everywhere/F1": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.showHelp)
        },
        "Everywhere/F4": { key in
            var state = Fixture.state(focus: .output)
            state.current = Fixture.owner
            Fixture.reduce(&state, .session(.stderr("  File \"/workspace/app.py\", line 2, in <module>\n")))
            #expect(Fixture.reduce(&state, .key(key)).isEmpty, "the open file: its cursor moves")
            #expect(state.editor?.line == 1 && state.focus == .editor)
        },
        "Everywhere/Shift-F4 (F16)": { key in
            var state = Fixture.state(focus: .output)
            state.current = Fixture.owner
            Fixture.reduce(&state, .session(.stderr("lib.py:3:2: warning\napp.py:1: note\n")))
            #expect(Fixture.reduce(&state, .key(key)).isEmpty && state.editor?.line == 0, "from the end, the last location first")
            #expect(Fixture.reduce(&state, .key(key)) == [.open(path: "lib.py", replacing: state.editor?.revision)])
        },
        "Everywhere/F6": { key in
            var state = Fixture.state()
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "no kept edits to reopen")
            state.kept = [Fixture.copy]
            state.editor = nil
            #expect(Fixture.reduce(&state, .key(key)) == [.adoptKept(Fixture.copy)])
            #expect(state.editor?.text == "kept\n" && state.editor?.modified == true && state.editorSandbox == "old-box" && state.kept.isEmpty)
        },
        "Everywhere/F7": { key in
            var state = Fixture.state()
            state.kept = [Fixture.copy]
            #expect(Fixture.reduce(&state, .key(key)) == [.discardKept(Fixture.copy)])
            #expect(state.kept.isEmpty && state.message?.text == "discarded the kept edits of old-box:/workspace/kept.py")
        },
        "Everywhere/F8": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)).isEmpty && state.tab == 0 && state.message?.text.hasPrefix("no background jobs") == true)
            state.tabs = [OutputTab(sandbox: Fixture.owner, kind: .job(id: 1, command: "serve"), log: OutputLog()),
                          OutputTab(sandbox: Fixture.owner, kind: .job(id: 2, command: "watch"), log: OutputLog())]
            let tabs = (0..<3).map { _ in
                Fixture.reduce(&state, .key(key))
                return state.tab
            }
            #expect(tabs == [1, 2, 0], "each job's tab, then the commands' output again")
        },
        "Everywhere/F9": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.setMouse(true)] && state.mouse)
            #expect(Fixture.reduce(&state, .key(key)) == [.setMouse(false)] && !state.mouse)
        },
        "Everywhere/Ctrl-L": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.repaint] && state.focus == .list)
        },
        "Everywhere/Ctrl-Z": { key in
            var state = Fixture.state(focus: .editor)
            #expect(Fixture.reduce(&state, .key(key)) == [.suspend])
        },
        "Everywhere/PgUp": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(!state.output.following)
            state = Fixture.state()
            state.selected = 2
            Fixture.reduce(&state, .key(key))
            #expect(state.selected == 0)
        },
        "Everywhere/PgDn": { key in
            var state = Fixture.state()
            let effects = Fixture.reduce(&state, .key(key))
            #expect(state.selected == 2 && state.current == "old-box" && effects.contains(.select("old-box", then: nil)))
        },
        "Everywhere/Home": { key in
            var state = Fixture.state(focus: .editor)
            state.editor?.move(.end)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.column == 0)
            state = Fixture.state()
            state.selected = 2
            Fixture.reduce(&state, .key(key))
            #expect(state.selected == 0)
        },
        "Everywhere/End": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.column == 3)
            state = Fixture.state(focus: .output)
            state.output.scroll(by: -5, viewHeight: state.outputHeight)
            Fixture.reduce(&state, .key(key))
            #expect(state.output.following)
        },

        "Sandbox list/↑ / k": { key in
            var state = Fixture.state()
            state.selected = 1
            #expect(Fixture.reduce(&state, .key(key)) == [.select(Fixture.owner, then: nil), .stopJournal, .findJobs(Fixture.owner)])
            #expect(state.selected == 0 && state.current == Fixture.owner)
        },
        "Sandbox list/↓ / j": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.select("agent-77c1", then: nil), .followJournal("agent-77c1"), .findJobs("agent-77c1")])
            #expect(state.selected == 1 && state.output.lines.last?.first?.text == "-- following agent journal of agent-77c1")
        },
        "Sandbox list/:": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.clearLine])
            #expect(state.focus == .command && state.prompt == ":" && state.previousFocus == .list)
        },
        "Sandbox list//": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.clearLine])
            #expect(state.focus == .command && state.prompt == "/" && state.searchTarget == .output)
        },
        "Sandbox list/a": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.setShowAll(true)] && state.showAll)
        },
        "Sandbox list/e": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.followEgress(Fixture.owner)])
            #expect(state.tabs.map(\.kind) == [.egress(denied: 0)] && state.tabs[0].sandbox == Fixture.owner && state.tab == 1)
        },
        "Sandbox list/?": { key in
            var state = Fixture.state()
            Fixture.reduce(&state, .key(key))
            #expect(state.showHelp)
        },
        "Sandbox list/q": { key in
            var state = Fixture.state()
            #expect(Fixture.reduce(&state, .key(key)) == [.quit] && state.ending == .quit)
            state = Fixture.state()
            state.editor?.insert("x")
            #expect(Fixture.reduce(&state, .key(key)).isEmpty && state.question == .quit && state.ending == nil)
            #expect(state.message?.text.hasPrefix("python-3f2a:/workspace/app.py has unsaved changes: q again quits") == true)
        },

        "Editor/↑ ↓ ← →": { key in
            var state = Fixture.state(focus: .editor)
            state.editor?.moveTo(line: 1, column: 1)
            Fixture.reduce(&state, .key(key))
            let expected = switch key {
            case .up: (0, 1)
            case .down: (1, 1)  // the last line: it stays
            case .left: (1, 0)
            default: (1, 2)
            }
            #expect(state.editor.map { ($0.line, $0.column) } ?? (-1, -1) == expected, "\(key)")
        },
        "Editor/Enter": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.text == "\nabc\ndef\n")
        },
        "Editor/Tab": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.text == "    abc\ndef\n" && state.focus == .editor)
        },
        "Editor/Backspace": { key in
            var state = Fixture.state(focus: .editor)
            state.editor?.moveTo(line: 0, column: 1)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.text == "bc\ndef\n")
        },
        "Editor/Delete / Ctrl-D": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.text == "bc\ndef\n")
        },
        "Editor/Ctrl-U": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "nothing to undo")
            Fixture.reduce(&state, .key(.char("x")), .key(key))
            #expect(state.editor?.text == Fixture.text)
        },
        "Editor/Ctrl-Y": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "nothing to redo")
            Fixture.reduce(&state, .key(.char("x")), .key(.ctrl("u")), .key(key))
            #expect(state.editor?.text == "x" + Fixture.text)
        },
        "Editor/Ctrl-F": { key in
            var state = Fixture.state(focus: .editor)
            #expect(Fixture.reduce(&state, .key(key)) == [.clearLine])
            #expect(state.focus == .command && state.prompt == "/" && state.searchTarget == .editor && state.previousFocus == .editor)
        },
        "Editor/F3 / Ctrl-N": { key in
            var state = Fixture.state(focus: .editor)
            state.output.search = "ef"
            Fixture.reduce(&state, .key(key))
            #expect(state.editor?.line == 1)
            state.output.search = "zzz"
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "not found: zzz")
        },
        "Editor/Esc": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(key))
            #expect(state.focus == .list)
        },

        "Output/↑ / k": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(!state.output.following)
        },
        "Output/↓ / j": { key in
            var state = Fixture.state(focus: .output)
            state.output.scroll(by: -1, viewHeight: state.outputHeight)
            Fixture.reduce(&state, .key(key))
            #expect(state.output.following)
        },
        "Output/g": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(state.output.visible(height: state.outputHeight).first?.first?.text == state.output.lines.first?.first?.text)
        },
        "Output/G / End": { key in
            var state = Fixture.state(focus: .output)
            state.output.scrollToTop(viewHeight: state.outputHeight)
            Fixture.reduce(&state, .key(key))
            #expect(state.output.following)
        },
        "Output//": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(state.focus == .command && state.searchTarget == .output && state.previousFocus == .output)
        },
        "Output/n": { key in
            var state = Fixture.state(focus: .output)
            state.output.search = "line 3"
            Fixture.reduce(&state, .key(key))
            #expect(!state.output.following && state.message == nil)
            state.output.search = "zzz"
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "not found: zzz")
        },
        "Output/:": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(state.focus == .command && state.prompt == ":")
        },
        "Output/x": { key in
            var state = Fixture.state(focus: .output)
            #expect(Fixture.reduce(&state, .key(key)).isEmpty && state.message?.text.hasPrefix("x closes a background job's or egress tab") == true)
            state.tabs = [OutputTab(sandbox: Fixture.owner, kind: .job(id: 1, command: "serve"), log: OutputLog()),
                          OutputTab(sandbox: Fixture.owner, kind: .job(id: 2, command: "watch"), log: OutputLog(), ended: .job(.exited(0)))]
            state.tab = 2
            #expect(Fixture.reduce(&state, .key(key)).isEmpty, "an ended job is followed no more")
            #expect(state.tabs.map(\.job) == [1] && state.tab == 0 && state.message?.text == "closed job 2's tab")
            state.tab = 1
            #expect(Fixture.reduce(&state, .key(key)) == [.unfollowJob(sandbox: Fixture.owner, id: 1)])
            #expect(state.tabs.isEmpty && state.tab == 0)
            #expect(state.message?.text == "closed job 1's tab (it keeps running: :logs 1 reopens it, :kill 1 ends it)")
            // `logs N` and `kill N` act on the current sandbox: another's job says to use it first.
            state.tabs = [OutputTab(sandbox: "old-box", kind: .job(id: 4, command: "serve"), log: OutputLog())]
            state.tab = 1
            Fixture.reduce(&state, .key(key))
            #expect(state.message?.text == "closed job 4's tab (it keeps running: use old-box, then :logs 4 reopens it, :kill 4 ends it)")
        },
        "Output/?": { key in
            var state = Fixture.state(focus: .output)
            Fixture.reduce(&state, .key(key))
            #expect(state.showHelp)
        },
        "Output/q": { key in
            var state = Fixture.state(focus: .output)
            #expect(Fixture.reduce(&state, .key(key)) == [.quit])
        },

        "Shell pane/Ctrl-]": { key in
            var state = Fixture.state()
            Fixture.reduce(&state, .shellOpened(sandbox: Fixture.owner, screen: TerminalScreen(rows: 2, columns: 4)))
            #expect(Fixture.reduce(&state, .key(key)).isEmpty)
            #expect(state.focus == .list && state.shellShown == nil && state.shells[Fixture.owner] != nil, "left, still open")
        },

        "Command line/Enter": { key in
            var state = Fixture.state(focus: .command)
            #expect(Fixture.reduce(&state, .key(key)) == [.submitLine])
        },
        "Command line/Esc / Ctrl-C": { key in
            var state = Fixture.state(focus: .editor)
            Fixture.reduce(&state, .key(.ctrl("f")))
            #expect(Fixture.reduce(&state, .key(key)) == [.clearLine])
            #expect(state.focus == .editor && state.searchTarget == nil)
        },
        "Command line/Tab": { key in
            var state = Fixture.state(focus: .command)
            Fixture.reduce(&state, .lineEdited(text: "use py", cursor: 6, candidates: []))
            // Tab asks for candidates; the Tab reaches libedit only with them, and only if the line is unchanged.
            #expect(Fixture.reduce(&state, .key(key)) == [.complete("use py")])
            #expect(Fixture.reduce(&state, .completionsFound(line: "use py", ["python-3f2a"])) == [.editLine([9], completions: ["python-3f2a"])])
            Fixture.reduce(&state, .lineEdited(text: "use pyt", cursor: 7, candidates: []))
            #expect(Fixture.reduce(&state, .completionsFound(line: "use py", ["python-3f2a"])).isEmpty, "typed on: stale")
            Fixture.reduce(&state, .lineEdited(text: "use pyt", cursor: 3, candidates: []))
            #expect(Fixture.reduce(&state, .key(key)) == [.complete("use")], "up to the cursor")
        },
        "Command line/↑ / ↓": { key in
            var state = Fixture.state(focus: .command)
            #expect(Fixture.reduce(&state, .key(key)) == [.editLine(key.terminalBytes ?? [])])
        },
        "Command line/← → Home End Bksp Del": { key in
            var state = Fixture.state(focus: .command)
            let effects = Fixture.reduce(&state, .key(key))
            #expect(effects == [.editLine(key.terminalBytes ?? [])] && key.terminalBytes != nil, "\(key)")
        },
        "Command line/Ctrl-A/E/K/W...": { key in
            var state = Fixture.state(focus: .command)
            guard case .ctrl(let char) = key, let code = char.asciiValue else { return #expect(Bool(false), "\(key)") }
            #expect(Fixture.reduce(&state, .key(key)) == [.editLine([code & 0x1F])])
        },
    ]

    @Test(arguments: KeyTable.bindings.indices)
    func everyRowDoesWhatItSays(row: Int) throws {
        let binding = KeyTable.bindings[row]
        let check = try #require(Self.checks["\(binding.scope.rawValue)/\(binding.label)"], "no test for \(binding.label)")
        for key in binding.keys { check(key) }
    }

    @Test func textGoesIntoTheFocusedEditorOrCommandLine() {
        var state = Fixture.state(focus: .editor)
        Fixture.reduce(&state, .key(.char("q")), .key(.char("é")))
        #expect(state.editor?.text == "qéabc\ndef\n")
        state = Fixture.state(focus: .command)
        #expect(Fixture.reduce(&state, .key(.char("é"))) == [.editLine([0xC3, 0xA9])])
        state = Fixture.state(focus: .editor)
        state.editor = nil
        Fixture.reduce(&state, .key(.char("x")))
        #expect(state.message?.text == "no file open: :open PATH first")
        state = Fixture.state()
        #expect(Fixture.reduce(&state, .key(.char("x"))).isEmpty && state.message == nil, "no row in the list")
    }

    @Test func aQuestionTakesTheNextKeyOnly() {
        var state = Fixture.state(focus: .editor)
        state.editor?.insert("x")
        Fixture.reduce(&state, .key(.escape), .key(.char("q")))
        #expect(state.question == .quit)
        #expect(Fixture.reduce(&state, .key(.char("j"))).isEmpty && state.selected == 0 && state.message?.text == "", "any other key stays")
        Fixture.reduce(&state, .key(.char("q")))
        #expect(Fixture.reduce(&state, .key(.char("q"))) == [.quit] && state.ending == .quit)
    }

    @Test func theHelpScreenClosesOnAnyKey() {
        var state = Fixture.state()
        Fixture.reduce(&state, .key(.char("?")))
        #expect(Fixture.reduce(&state, .key(.char("q"))).isEmpty && !state.showHelp && state.ending == nil)
    }

    @Test func theMouseFocusesAndScrollsWhereItIs() {
        var state = Fixture.state()
        let layout = Screen.layout(width: state.width, height: state.height)
        Fixture.reduce(&state, .key(.click(x: layout.editor.x + 3, y: layout.editor.y + 2)))
        #expect(state.focus == .editor)
        let effects = Fixture.reduce(&state, .key(.click(x: 2, y: layout.list.inner.y + 2)))
        #expect(state.focus == .list && state.selected == 1 && effects.contains(.followJournal("agent-77c1")))
        Fixture.reduce(&state, .key(.wheel(up: true, x: layout.output.x + 2, y: layout.output.y + 2)))
        #expect(!state.output.following)
        Fixture.reduce(&state, .key(.wheel(up: false, x: 2, y: 2)))
        #expect(state.selected == 2)
    }
}
