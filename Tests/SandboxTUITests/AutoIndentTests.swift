import Testing
@testable import SandboxTUI

/// Enter keeps the indentation and opens a level after `:` (Python) and brackets; the editor
/// key goes through the reducer, which knows the file's language.
@Suite struct AutoIndentTests {
    static func typed(_ keys: String, path: String, text: String = "") -> UIState {
        var state = UIState()
        state.editor = EditorBuffer(text: text)
        state.editorPath = path
        state.focus = .editor
        for char in keys { _ = Reducer.reduce(&state, .key(char == "\n" ? .enter : .char(char))) }
        return state
    }

    @Test func pythonIndentsAfterAColon() {
        let state = Self.typed("def f(x):\nif x:\nreturn 1\n", path: "/w/app.py")
        #expect(state.editor?.text == "def f(x):\n    if x:\n        return 1\n        \n")
    }

    @Test func aColonOutsidePythonDoesNotIndent() {
        let state = Self.typed("note:\nnext\n", path: "/w/notes.txt")
        #expect(state.editor?.text == "note:\nnext\n\n")
    }

    @Test func bracesIndentAndTheCloserMovesDown() {
        var state = Self.typed("function f() {}", path: "/w/main.js")
        state.editor?.move(.left)
        _ = Reducer.reduce(&state, .key(.enter))
        #expect(state.editor?.text == "function f() {\n    \n}\n")
        #expect(state.editor?.line == 1 && state.editor?.column == 4)
        for char in "return [" { _ = Reducer.reduce(&state, .key(.char(char))) }
        _ = Reducer.reduce(&state, .key(.enter))
        #expect(state.editor?.text == "function f() {\n    return [\n        \n}\n")
    }

    @Test func tabsIndentWithTabs() {
        let state = Self.typed("\tif x {\ny\n", path: "/w/main.go")
        #expect(state.editor?.text == "\tif x {\n\t\ty\n\t\t\n")
    }

    @Test func enterKeepsTheIndentAndIsOneUndo() {
        var buffer = EditorBuffer(text: "    x = 1\n")
        buffer.move(.end)
        buffer.newline(opening: [":"])
        #expect(buffer.text == "    x = 1\n    \n")
        buffer.undo()
        #expect(buffer.text == "    x = 1\n")
    }
}
