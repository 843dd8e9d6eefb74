import Foundation
import SandboxKit
@testable import SandboxTUI

/// States for reducer tests: the golden screen's sandboxes, a small file open, a long output.
enum Fixture {
    static let owner = "python-3f2a"
    static let path = "/workspace/app.py"
    static let text = "abc\ndef\n"

    static func state(focus: Focus = .list) -> UIState {
        var state = ScreenTests.sampleState()
        state.editor = EditorBuffer(text: text)
        state.editorPath = path
        state.editorSandbox = owner
        state.focus = focus
        state.selected = 0
        (state.width, state.height) = (100, 30)
        for index in 0..<60 { state.output.note("line \(index)", role: .stdout) }
        return state
    }

    static let copy = RecoveryCopy(sandbox: "old-box", path: "/workspace/kept.py", text: "kept\n", kept: Date(timeIntervalSince1970: 0), pid: 1)

    /// Reduces events in order; the effects of them all.
    @discardableResult
    static func reduce(_ state: inout UIState, _ events: ConsoleEvent...) -> [Effect] {
        events.flatMap { Reducer.reduce(&state, $0) }
    }
}
