import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// A buffer writes back exactly the bytes it was opened with: line endings, a final newline or
/// its absence.
@Suite struct LineEndingTests {
    @Test(arguments: ["a\r\nb\r\nc\r\n", "a\nb", "a\r\nb", "a\r\nb\r", "a\r\nb\nc", "a\nb\r\n", "", "\n", "\r\n", "x", "é\r\n漢\r\n"])
    func unchangedTextRoundTrips(text: String) {
        #expect(EditorBuffer(text: text).text == text)
    }

    @Test func aCRLFFileIsLinesWithoutTheCR() {
        var buffer = EditorBuffer(text: "one\r\ntwo\r\nthree\r\n")
        #expect(buffer.crlf)
        #expect(buffer.lines.map { String($0) } == ["one", "two", "three"])
        buffer.moveTo(line: 0, column: 3)
        buffer.insert("!")
        buffer.newline()
        buffer.insert("new")
        #expect(buffer.text == "one!\r\nnew\r\ntwo\r\nthree\r\n")
    }

    @Test func aFileWithoutAFinalNewlineGetsNone() {
        var buffer = EditorBuffer(text: "print(1)")
        buffer.moveTo(line: 0, column: 8)
        buffer.newline()
        buffer.insert("print(2)")
        #expect(buffer.text == "print(1)\nprint(2)")
    }

    @Test func mixedEndingsKeepTheirCRs() {
        var buffer = EditorBuffer(text: "a\r\nb\nc\n")
        #expect(!buffer.crlf)
        #expect(buffer.lines.count == 3)
        buffer.moveTo(line: 1, column: 1)
        buffer.insert("!")
        #expect(buffer.text == "a\r\nb!\nc\n")
    }

    @Test func newAndEmptyFiles() {
        var new = EditorBuffer()
        #expect(new.text == "")
        new.insert("x")
        #expect(new.text == "x\n")
        #expect(EditorBuffer(text: "\n").lines == [[]])
    }

    @Test func everyChangeCountsAsARevision() {
        var buffer = EditorBuffer(text: "a\n")
        let start = buffer.revision
        buffer.insert("b")
        buffer.insert("c")
        #expect(buffer.revision == start + 2)
        buffer.undo()
        #expect(buffer.revision == start + 3)
    }
}

@Suite struct RecoveryTests {
    static func temporaryStore() -> RecoveryStore {
        RecoveryStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("recovery-\(UUID().uuidString)"))
    }

    static func state(_ text: String, typed: String) -> UIState {
        var state = UIState()
        state.editor = EditorBuffer(text: text)
        state.editorPath = "/workspace/app.py"
        state.editorSandbox = "box-1"
        state.editor?.insert(typed)
        return state
    }

    @Test func aModifiedBufferIsKeptAfterADelayAndDroppedWhenSaved() throws {
        let store = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        var keeper = RecoveryKeeper(store: store)
        var state = Self.state("a\r\nb\r\n", typed: "x")
        let due = try keeper.update(state)
        #expect(due != nil, "waits for the typing to pause")
        #expect(store.left().isEmpty)
        #expect(try keeper.update(state, now: true) == nil)
        let copy = try #require(store.left().first)
        #expect(copy.sandbox == "box-1" && copy.path == "/workspace/app.py" && copy.text == "xa\r\nb\r\n")
        let mode = try FileManager.default.attributesOfItem(atPath: store.file(sandbox: "box-1", path: "/workspace/app.py").path)[.posixPermissions]
        #expect(mode as? Int == 0o600)

        state.editor?.markSaved()
        _ = try keeper.update(state)
        #expect(store.left().isEmpty, "saved: nothing to recover")
    }

    @Test func switchingFilesDropsTheOldCopy() throws {
        let store = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        var keeper = RecoveryKeeper(store: store)
        var state = Self.state("", typed: "one")
        _ = try keeper.update(state, now: true)
        state.editorPath = "/workspace/other.py"
        state.editor = EditorBuffer(text: "two\n")
        _ = try keeper.update(state)
        #expect(store.left().isEmpty)
    }

    @Test func aCopyOfALiveConsoleIsNotOffered() throws {
        let store = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let parent = getppid()  // alive, and not us
        try store.write(RecoveryCopy(sandbox: "s", path: "/a", text: "live", kept: Date(), pid: parent))
        try store.write(RecoveryCopy(sandbox: "s", path: "/b", text: "dead", kept: Date(), pid: Int32.max))
        #expect(store.left().map(\.text) == ["dead"])
    }
}

/// The console's questions, without a terminal: a modified buffer is never replaced or lost
/// without a yes.
@Suite struct ConsoleQuestionTests {
    static func app() throws -> ConsoleApp {
        let app = ConsoleApp(engine: try SandboxEngine(), options: ConsoleOptions())
        app.show(EditorBuffer(text: "keep me\n"), path: "/workspace/a.txt", sandbox: "box-a")
        app.handle(.char("!"))
        return app
    }

    @Test func openingAnotherFileAsksFirst() throws {
        let app = try Self.app()
        app.runCommandLine("open /workspace/b.txt")
        #expect(app.state.message?.text.contains("box-a:/workspace/a.txt has unsaved changes") == true, "\(String(describing: app.state.message))")
        app.handle(.char("n"))
        #expect(app.state.editorPath == "/workspace/a.txt" && app.state.editor?.text == "!keep me\n")
        #expect(app.pendingAnswer == nil)
        app.handle(.char("x"))
        #expect(app.state.editor?.text == "!xkeep me\n", "the answer key did not type; later keys do")
    }

    @Test func quittingAsksAndOnlyQConfirms() throws {
        let app = try Self.app()
        app.requestQuit()
        app.handle(.char("a"))
        #expect(!app.quitting && app.state.editor?.modified == true)
        app.requestQuit()
        app.handle(.char("q"))
        #expect(app.quitting)
    }

    @Test func unknownKeysInTheEditorStayInTheEditor() throws {
        let app = try Self.app()
        for key: Key in [.home, .end, .pageUp, .pageDown, .delete] { app.handle(key) }
        #expect(app.state.focus == .editor)
    }
}
