import Foundation
import Testing
@testable import SandboxTUI

@Suite struct EditorBufferTests {
    @Test func typingNewlinesAndIndentation() {
        var buffer = EditorBuffer()
        buffer.insert("for x in y:")
        buffer.newline()
        buffer.indent()
        buffer.insert("pass")
        buffer.newline()
        buffer.insert("done")
        #expect(buffer.text == "for x in y:\n    pass\n    done\n")
        #expect(buffer.modified)
        #expect(buffer.line == 2 && buffer.column == 8)
    }

    @Test func backspaceAndDeleteJoinLines() {
        var buffer = EditorBuffer(text: "ab\ncd\n")
        buffer.moveTo(line: 1, column: 0)
        buffer.backspace()
        #expect(buffer.text == "abcd\n" && buffer.column == 2)
        buffer.move(.end)
        buffer.deleteForward()
        #expect(buffer.text == "abcd\n")
        buffer.move(.home)
        buffer.deleteForward()
        #expect(buffer.text == "bcd\n")
    }

    @Test func undoAndRedo() {
        var buffer = EditorBuffer(text: "x\n")
        buffer.move(.end)
        buffer.insert("yz")          // one typing run
        buffer.newline()             // its own step
        buffer.insert("w")
        #expect(buffer.text == "xyz\nw\n")
        let step1 = buffer.undo()
        #expect(step1 && buffer.text == "xyz\n\n")
        let step2 = buffer.undo()
        #expect(step2 && buffer.text == "xyz\n")
        let step3 = buffer.undo()
        #expect(step3 && buffer.text == "x\n")
        #expect(!buffer.modified, "undone back to the saved text")
        let step4 = buffer.undo()
        #expect(!step4)
        let step5 = buffer.redo()
        #expect(step5 && buffer.text == "xyz\n")
        buffer.insert("!")
        let step6 = buffer.redo()
        #expect(!step6, "a new edit clears the redo stack")
    }

    @Test func verticalMovesKeepTheGoalColumn() {
        var buffer = EditorBuffer(text: "long line here\nab\nanother long line\n")
        buffer.moveTo(line: 0, column: 10)
        buffer.move(.down)
        #expect(buffer.column == 2)
        buffer.move(.down)
        #expect(buffer.column == 10)
        buffer.move(.pageUp, page: 10)
        #expect(buffer.line == 0)
        buffer.move(.bottom)
        #expect(buffer.line == 2 && buffer.column == 17)
    }

    @Test func homeGoesToTheTextThenTheMargin() {
        var buffer = EditorBuffer(text: "    code\n")
        buffer.move(.end)
        buffer.move(.home)
        #expect(buffer.column == 4)
        buffer.move(.home)
        #expect(buffer.column == 0)
    }

    @Test func searchWraps() {
        var buffer = EditorBuffer(text: "alpha\nbeta\nalphabet\n")
        let step7 = buffer.find("alpha")
        #expect(step7)
        #expect(buffer.line == 2 && buffer.column == 0)
        let step8 = buffer.find("alpha")
        #expect(step8)
        #expect(buffer.line == 0, "wraps to the top")
        let step9 = buffer.find("gamma")
        #expect(!step9)
    }

    @Test func wideAndCombiningCharactersAreSingleCharacters() {
        var buffer = EditorBuffer(text: "世界 é\n")
        buffer.move(.end)
        #expect(buffer.column == 4)
        buffer.backspace()
        #expect(buffer.text == "世界 \n")
    }

    @Test func aOneMebibyteFileOpensAndDraws() {
        let line = String(repeating: "abcdefghij", count: 7) + "\n"
        let text = String(repeating: line, count: 1024 * 1024 / line.utf8.count + 1)
        #expect(text.utf8.count >= 1024 * 1024)
        let buffer = EditorBuffer(text: text)
        var state = UIState()
        state.editor = buffer
        state.editorPath = "/big.txt"
        let canvas = Screen.render(state, width: 120, height: 40)
        #expect(buffer.lines.count > 14_000)
        #expect(buffer.text == text, "round trip")
        #expect(canvas.height == 40)
    }
}
