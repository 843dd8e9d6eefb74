import Foundation
import SandboxCommands
import Testing
@testable import SandboxTUI

/// The shell pane through the reducer: `:shell`, keys, resizes, leaving and returning, the end.
@Suite struct ReducerShellTests {
    let name = Fixture.owner

    func opened() -> UIState {
        var state = Fixture.state()
        state.current = name
        Fixture.reduce(&state, .shellOpened(sandbox: name, screen: TerminalScreen(rows: 3, columns: 5)))
        return state
    }

    @Test func shellOpensAPaneTheSizeOfTheSpaceBesideTheList() {
        var state = Fixture.state()
        let pane = Screen.shellPane(width: 100, height: 30).inner
        #expect(Fixture.reduce(&state, .lineEntered("shell")) == [.clearLine, .remember("shell"), .openShell(nil, rows: pane.height, columns: pane.width)])
        #expect(Fixture.reduce(&state, .lineEntered("shell python3 -q")).last == .openShell("python3 -q", rows: pane.height, columns: pane.width))
        let layout = Screen.layout(width: 100, height: 30)
        #expect(pane.width == layout.editor.width - 2 && pane.height == layout.editor.height + layout.output.height - 2)
        Fixture.reduce(&state, .shellOpened(sandbox: name, screen: TerminalScreen(rows: pane.height, columns: pane.width)))
        #expect(state.focus == .shell && state.shellShown == name && state.current == name)
    }

    @Test func everyKeyButTheLeaveKeyGoesToTheShell() {
        var state = opened()
        for key in [Key.char("q"), .char(":"), .ctrl("c"), .ctrl("z"), .tab, .escape, .function(5), .up, .enter, .char("?")] {
            #expect(Fixture.reduce(&state, .key(key)) == [.shellKey(name, key)], "\(key)")
        }
        #expect(state.focus == .shell && !state.showHelp)
    }

    @Test func leavingKeepsTheShellAndShellReturnsToIt() {
        var state = opened()
        Fixture.reduce(&state, .key(.ctrl("]")))
        #expect(state.focus == .list && state.shellShown == nil)
        #expect(state.message?.text == "the shell in \(name) keeps running: :shell returns to it")
        #expect(Screen.render(state, width: 100, height: 30).text.contains("shell · "), "the list marks it")
        #expect(Fixture.reduce(&state, .lineEntered("shell")) == [.clearLine, .remember("shell")], "no second shell")
        #expect(state.focus == .shell && state.shellShown == name)
    }

    @Test func theScreenIsDrawnInThePaneWithItsInk() {
        var state = opened()
        var screen = TerminalScreen(rows: 3, columns: 5)
        screen.cells[0] = TerminalCell(char: "r", ink: Ink(fg: .indexed(1)))
        screen.cells[1] = TerminalCell(char: "$")
        screen.cursor = (row: 0, column: 2)
        Fixture.reduce(&state, .shellScreen(sandbox: name, screen: screen))
        let canvas = Screen.render(state, width: 100, height: 30)
        let inner = Screen.shellPane(width: 100, height: 30).inner
        #expect(canvas[inner.x, inner.y].char == "r" && canvas[inner.x, inner.y].ink?.fg == .indexed(1))
        #expect(canvas[inner.x + 1, inner.y].char == "$")
        #expect(canvas.cursor?.x == inner.x + 2 && canvas.cursor?.y == inner.y)
        #expect(canvas.text.contains("shell: \(name)"))
        #expect(!canvas.text.contains(Fixture.path), "the pane covers the editor")
    }

    @Test func aResizeResizesEveryOpenShell() {
        var state = Fixture.state()
        #expect(Fixture.reduce(&state, .resized(width: 120, height: 40)).isEmpty, "no shell, nothing to resize")
        state = opened()
        let pane = Screen.shellPane(width: 120, height: 40).inner
        #expect(Fixture.reduce(&state, .resized(width: 120, height: 40)) == [.resizeShells(rows: pane.height, columns: pane.width)])
    }

    @Test func theEndOfTheShellClosesThePane() {
        var state = opened()
        Fixture.reduce(&state, .shellEnded(sandbox: name, exitCode: 0))
        #expect(state.shells.isEmpty && state.shellShown == nil && state.focus == .list)
        #expect(state.message?.text == "the shell in \(name) ended (exit 0)" && state.message?.isError == false)
        state = opened()
        Fixture.reduce(&state, .key(.ctrl("]")), .shellEnded(sandbox: name, exitCode: 130))
        #expect(state.shells.isEmpty && state.message?.isError == true)
        #expect(Fixture.reduce(&state, .shellScreen(sandbox: name, screen: TerminalScreen(rows: 1, columns: 1))).isEmpty && state.shells.isEmpty,
                "a late screen does not reopen it")
    }

    @Test func shellsOfSeveralSandboxesStayOpen() {
        var state = opened()
        Fixture.reduce(&state, .key(.ctrl("]")), .shellOpened(sandbox: "other", screen: TerminalScreen(rows: 3, columns: 5)))
        #expect(Set(state.shells.keys) == [name, "other"] && state.shellShown == "other" && state.current == "other")
    }
}
