import Foundation
import LineEditing
import SandboxKit

/// Keys: everything goes through ``KeyTable``, except text typed into the editor and the
/// command line (which libedit edits).
extension ConsoleApp {
    func handle(_ key: Key) {
        dirty = true
        if case .resize = key { return }
        if state.showHelp { state.showHelp = false; return }
        if case .click(let x, let y) = key { return click(x: x, y: y) }
        if case .wheel(let up, let x, let y) = key { return wheel(up: up, x: x, y: y) }
        if let answer = pendingAnswer {
            pendingAnswer = nil
            return answer(self, key)
        }
        if state.focus == .command { return commandKey(key) }
        let scope = self.scope
        guard let action = KeyTable.action(for: key, in: scope) else {
            if state.focus == .editor, case .char(let char) = key { state.editor?.insert(char); return }
            if state.focus == .editor, state.editor == nil, case .char = key {
                say("no file open: :open PATH first", error: true)
            }
            return
        }
        perform(action)
    }

    var scope: Scope {
        switch state.focus {
        case .list: .list
        case .editor: .editor
        case .output: .output
        case .command: .command
        }
    }

    func perform(_ action: Action) {
        let page = max(1, (terminal?.size.height ?? 40) / 2)
        switch (action, state.focus) {
        case (.focusNext, _): cycleFocus(by: 1)
        case (.focusPrevious, _): cycleFocus(by: -1)
        case (.commandLine, _): openCommandLine(prompt: ":")
        case (.search, .editor): searchTarget = .editor; openCommandLine(prompt: "/")
        case (.search, _): searchTarget = .output; openCommandLine(prompt: "/")
        case (.searchNext, .editor):
            if let query = state.output.search, state.editor?.find(query) == false { say("not found: \(query)", error: true) }
        case (.searchNext, _):
            if let query = state.output.search, !state.output.find(query, viewHeight: outputHeight, next: true) {
                say("not found: \(query)", error: true)
            }
        case (.saveAndRun, _): saveAndRun()
        case (.save, _): save()
        case (.cancel, _): cancelRunning()
        case (.quit, _): requestQuit()
        case (.help, _): state.showHelp = true
        case (.toggleMouse, _):
            state.mouse.toggle()
            terminal?.setMouse(state.mouse)
            say(state.mouse ? "mouse captured (F9 releases it for selecting text)" : "mouse released: select text as usual")
        case (.toggleAll, _):
            state.showAll.toggle()
            watcher.setShowAll(state.showAll)
        case (.restoreKept, _): restoreKept()
        case (.discardKept, _): discardKept()
        case (.redraw, _): dirty = true
        case (.suspend, _): terminal?.suspend()
        case (.leave, _): state.focus = .list

        case (.up, .list): moveSelection(by: -1)
        case (.down, .list): moveSelection(by: 1)
        case (.pageUp, .list): moveSelection(by: -5)
        case (.pageDown, .list): moveSelection(by: 5)
        case (.home, .list): moveSelection(by: -state.rows.count)
        case (.end, .list): moveSelection(by: state.rows.count)

        case (.up, .output): state.output.scroll(by: -1, viewHeight: outputHeight)
        case (.down, .output): state.output.scroll(by: 1, viewHeight: outputHeight)
        case (.pageUp, .output): state.output.scroll(by: -outputHeight + 1, viewHeight: outputHeight)
        case (.pageDown, .output): state.output.scroll(by: outputHeight - 1, viewHeight: outputHeight)
        case (.top, .output), (.home, .output): state.output.scrollToTop(viewHeight: outputHeight)
        case (.bottom, .output), (.end, .output): state.output.follow()

        case (.undo, .editor): if state.editor?.undo() == false { say("nothing to undo") }
        case (.redo, .editor): if state.editor?.redo() == false { say("nothing to redo") }
        case (.newline, .editor): state.editor?.newline()
        case (.indent, .editor): state.editor?.indent()
        case (.backspace, .editor): state.editor?.backspace()
        case (.deleteForward, .editor): state.editor?.deleteForward()
        case (let move, .editor): state.editor?.move(move, page: page)
        default: break
        }
    }

    var outputHeight: Int {
        guard let terminal else { return 10 }
        return max(1, Screen.layout(width: terminal.size.width, height: terminal.size.height).output.inner.height)
    }

    func cycleFocus(by step: Int) {
        let panes: [Focus] = [.list, .editor, .output]
        let index = panes.firstIndex(of: state.focus) ?? 0
        state.focus = panes[(index + step + panes.count) % panes.count]
    }

    func moveSelection(by delta: Int) {
        let count = state.rows.count
        guard count > 0 else { return }
        let next = min(max(0, state.selected + delta), count - 1)
        guard next != state.selected else { return }
        state.selected = next
        selectionChanged()
    }

    // MARK: Command line

    func openCommandLine(prompt: String) {
        state.previousFocus = state.focus == .command ? state.previousFocus : state.focus
        state.focus = .command
        state.prompt = prompt
        lineEditor?.clear()
    }

    func leaveCommandLine() {
        lineEditor?.clear()
        state.focus = state.previousFocus
        searchTarget = nil
    }

    private func commandKey(_ key: Key) {
        switch key {
        case .escape:
            leaveCommandLine()
        case .enter:
            let lines = lineEditor?.feed([13]) ?? []
            let line = lines.last ?? ""
            let target = searchTarget
            leaveCommandLine()
            if let target { search(line, in: target) } else { runCommandLine(line) }
        case .ctrl("c"):
            leaveCommandLine()
        case .function, .backTab, .pageUp, .pageDown:
            if let action = KeyTable.action(for: key, in: .global) { perform(action) }
        default:
            guard let bytes = Self.bytes(for: key) else { return }
            _ = lineEditor?.feed(bytes)
            if key == .tab, Readline.lastCandidates.count > 1 {
                say(Readline.lastCandidates.prefix(12).joined(separator: "  ") + (Readline.lastCandidates.count > 12 ? "  ..." : ""))
            }
        }
    }

    /// What a terminal would send libedit for a key (it edits with emacs bindings).
    static func bytes(for key: Key) -> [UInt8]? {
        switch key {
        case .char(let char): Array(String(char).utf8)
        case .ctrl(let char): char.asciiValue.map { [$0 & 0x1F] }
        case .tab: [9]
        case .backspace: [127]
        case .delete: Array("\u{1B}[3~".utf8)
        case .left: Array("\u{1B}[D".utf8)
        case .right: Array("\u{1B}[C".utf8)
        case .up: Array("\u{1B}[A".utf8)
        case .down: Array("\u{1B}[B".utf8)
        case .home: [1]
        case .end: [5]
        default: nil
        }
    }

    private func search(_ query: String, in target: Focus) {
        guard !query.isEmpty else { return }
        state.output.search = query
        let found = target == .editor
            ? state.editor?.find(query, fromNext: false) ?? false
            : state.output.find(query, viewHeight: outputHeight, next: false)
        say(found ? "/\(query)  (\(target == .editor ? "F3" : "n") for the next)" : "not found: \(query)", error: !found)
    }

    // MARK: Mouse

    private func click(x: Int, y: Int) {
        guard let terminal else { return }
        let layout = Screen.layout(width: terminal.size.width, height: terminal.size.height)
        if contains(layout.list, x, y) {
            state.focus = .list
            let row = (y - layout.list.inner.y) / 2
            if row >= 0, row < state.rows.count, row != state.selected { state.selected = row; selectionChanged() }
        } else if contains(layout.editor, x, y) {
            state.focus = .editor
        } else if contains(layout.output, x, y) {
            state.focus = .output
        }
    }

    private func wheel(up: Bool, x: Int, y: Int) {
        guard let terminal else { return }
        let layout = Screen.layout(width: terminal.size.width, height: terminal.size.height)
        if contains(layout.output, x, y) { state.output.scroll(by: up ? -3 : 3, viewHeight: outputHeight) }
        if contains(layout.editor, x, y) { for _ in 0..<3 { state.editor?.move(up ? .up : .down) } }
        if contains(layout.list, x, y) { moveSelection(by: up ? -1 : 1) }
    }

    private func contains(_ rect: Rect, _ x: Int, _ y: Int) -> Bool {
        x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height
    }
}
