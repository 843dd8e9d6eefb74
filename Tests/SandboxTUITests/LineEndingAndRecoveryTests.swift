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

/// The console's questions, through the reducer: a modified buffer is never replaced or lost
/// without a yes.
@Suite struct ConsoleQuestionTests {
    static func state() -> UIState {
        var state = UIState()
        state.editor = EditorBuffer(text: "keep me\n")
        state.editorPath = "/workspace/a.txt"
        state.editorSandbox = "box-a"
        state.focus = .editor
        _ = Reducer.reduce(&state, .key(.char("!")))
        return state
    }

    @Test func openingAnotherFileAsksFirst() {
        var state = Self.state()
        _ = Reducer.reduce(&state, .key(.escape))
        _ = Reducer.reduce(&state, .key(.char(":")))
        #expect(Reducer.reduce(&state, .lineEntered("open /workspace/b.txt")) == [.clearLine, .remember("open /workspace/b.txt")])
        #expect(state.message?.text.contains("box-a:/workspace/a.txt has unsaved changes") == true, "\(String(describing: state.message))")
        #expect(Reducer.reduce(&state, .key(.char("n"))).isEmpty)
        #expect(state.editorPath == "/workspace/a.txt" && state.editor?.text == "!keep me\n")
        #expect(state.question == nil)
        Fixture.reduce(&state, .key(.tab), .key(.char("x")))
        #expect(state.editor?.text == "!xkeep me\n", "the answer key did not type; later keys do")
    }

    @Test func quittingAsksAndOnlyQConfirms() {
        var state = Self.state()
        _ = Reducer.reduce(&state, .key(.escape))
        _ = Reducer.reduce(&state, .key(.char("q")))
        _ = Reducer.reduce(&state, .key(.char("a")))
        #expect(state.ending == nil && state.editor?.modified == true)
        _ = Reducer.reduce(&state, .key(.char("q")))
        #expect(Reducer.reduce(&state, .key(.char("q"))) == [.quit] && state.ending == .quit)
    }

    @Test func unknownKeysInTheEditorStayInTheEditor() {
        var state = Self.state()
        for key: Key in [.home, .end, .pageUp, .pageDown, .delete, .function(2), .ctrl("x")] { _ = Reducer.reduce(&state, .key(key)) }
        #expect(state.focus == .editor)
    }
}
