/// Keys: every key runs its ``KeyTable`` row, except text typed into the editor or the
/// command line, the mouse, and the answer to a question.
extension Reducer {
    static func key(_ state: inout UIState, _ key: Key) -> [Effect] {
        if case .resize = key { return [] }
        if state.showHelp {
            state.showHelp = false
            return []
        }
        if case .click(let x, let y) = key { return click(&state, x: x, y: y) }
        if case .wheel(let up, let x, let y) = key { return wheel(&state, up: up, x: x, y: y) }
        if let question = state.question {
            state.question = nil
            return answer(&state, question, key)
        }
        if state.focus == .shell { return shellKey(&state, key) }
        if let binding = KeyTable.binding(for: key, in: state.scope) { return binding.run(&state, key) }
        return typed(&state, key)
    }

    /// A character typed into the editor or the command line.
    static func typed(_ state: inout UIState, _ key: Key) -> [Effect] {
        guard case .char(let char) = key else { return [] }
        switch state.focus {
        case .command: return editLine(&state, key)
        case .editor where state.editor == nil: say(&state, "no file open: :open PATH first", error: true)
        case .editor: state.editor?.insert(char)
        case .list, .output, .shell: break
        }
        return []
    }

    private static func answer(_ state: inout UIState, _ question: Question, _ key: Key) -> [Effect] {
        guard key == question.yes else {
            state.pendingLocation = nil  // an F4 whose file was not opened goes nowhere later
            say(&state, "")
            return []
        }
        switch question {
        case .quit:
            state.ending = .quit
            return [.quit]
        case .open(let path): return load(&state, path)
        case .reopen(let copy): return reopen(&state, copy)
        }
    }

    // MARK: Panes

    static func cycleFocus(_ state: inout UIState, by step: Int) -> [Effect] {
        let panes: [Focus] = [.list, .editor, .output]
        let index = panes.firstIndex(of: state.focus) ?? 0
        state.focus = panes[(index + step + panes.count) % panes.count]
        return []
    }

    static func showHelp(_ state: inout UIState) -> [Effect] {
        state.showHelp = true
        return []
    }

    static func toggleMouse(_ state: inout UIState) -> [Effect] {
        state.mouse.toggle()
        say(&state, state.mouse ? "mouse captured (F9 releases it for selecting text)" : "mouse released: select text as usual")
        return [.setMouse(state.mouse)]
    }

    static func toggleAll(_ state: inout UIState) -> [Effect] {
        state.showAll.toggle()
        return [.setShowAll(state.showAll)]
    }

    static func requestQuit(_ state: inout UIState) -> [Effect] {
        guard state.editor?.modified == true else {
            state.ending = .quit
            return [.quit]
        }
        return ask(&state, .quit, "\(bufferName(state)) has unsaved changes: q again quits without saving, any other key stays (Ctrl-S saves)")
    }

    /// PgUp / PgDn in the focused pane.
    static func page(_ state: inout UIState, by direction: Int) -> [Effect] {
        switch state.focus {
        case .list: return moveSelection(&state, by: 5 * direction)
        case .output: state.shownLog.scroll(by: (state.outputHeight - 1) * direction, viewHeight: state.outputHeight)
        case .editor: state.editor?.move(direction < 0 ? .pageUp : .pageDown, page: max(1, state.height / 2))
        case .command, .shell: break
        }
        return []
    }

    /// Home / End (and g / G in the output): the first or last of the focused pane.
    static func toEnd(_ state: inout UIState, last: Bool) -> [Effect] {
        switch state.focus {
        case .list: return moveSelection(&state, by: last ? state.rows.count : -state.rows.count)
        case .output: if last { state.shownLog.follow() } else { state.shownLog.scrollToTop(viewHeight: state.outputHeight) }
        case .editor: state.editor?.move(last ? .end : .home)
        case .command, .shell: break
        }
        return []
    }

    // MARK: The list

    static func moveSelection(_ state: inout UIState, by delta: Int) -> [Effect] {
        let count = state.rows.count
        guard count > 0 else { return [] }
        let next = min(max(0, state.selected + delta), count - 1)
        guard next != state.selected else { return [] }
        state.selected = next
        return selectionChanged(&state)
    }

    /// The list selection is the current sandbox; an agent's sandbox shows its journal.
    static func selectionChanged(_ state: inout UIState) -> [Effect] {
        guard let info = state.selectedSandbox, info.managed, !info.containerID.isEmpty else { return [] }
        state.current = info.name
        if info.isolation == .open {
            say(&state, "\(info.name) is not isolated from the host's network: \(info.openReason ?? "its engine cannot enforce it")", error: true)
        }
        guard info.createdBy == .agent else { return [.select(info.name, then: nil), .stopJournal] + lookForJobs(&state) }
        state.output.note("-- following agent journal of \(info.name)", role: .agent)
        return [.select(info.name, then: nil), .followJournal(info.name)] + lookForJobs(&state)
    }

    // MARK: The editor

    static func moveCursor(_ state: inout UIState, _ key: Key) -> [Effect] {
        let motion: Motion? = switch key {
        case .up: .up
        case .down: .down
        case .left: .left
        case .right: .right
        default: nil
        }
        if let motion { state.editor?.move(motion) }
        return []
    }

    static func edit(_ state: inout UIState, _ change: (inout EditorBuffer) -> Void) -> [Effect] {
        if state.editor != nil { change(&state.editor!) }
        return []
    }

    /// Enter in the editor: the file's language decides what opens a block.
    static func newline(_ state: inout UIState) -> [Effect] {
        guard let path = state.editorPath, let first = state.editor?.lines.first else { return [] }
        let opening = Language.of(path: path, firstLine: first)?.opensBlock ?? ["{", "[", "("]
        return edit(&state) { $0.newline(opening: opening) }
    }

    static func undo(_ state: inout UIState, redo: Bool) -> [Effect] {
        let done = redo ? state.editor?.redo() : state.editor?.undo()
        if done == false { say(&state, redo ? "nothing to redo" : "nothing to undo") }
        return []
    }

    // MARK: The output

    static func scroll(_ state: inout UIState, by lines: Int) -> [Effect] {
        state.shownLog.scroll(by: lines, viewHeight: state.outputHeight)
        return []
    }

    // MARK: Search

    static func search(_ state: inout UIState, in target: Focus) -> [Effect] {
        state.searchTarget = target
        return openCommandLine(&state, prompt: "/")
    }

    static func search(_ state: inout UIState, _ query: String, in target: Focus) -> [Effect] {
        guard !query.isEmpty else { return [] }
        state.output.search = query
        let found = target == .editor
            ? state.editor?.find(query, fromNext: false) ?? false
            : state.shownLog.find(query, viewHeight: state.outputHeight, next: false)
        say(&state, found ? "/\(query)  (\(target == .editor ? "F3" : "n") for the next)" : "not found: \(query)", error: !found)
        return []
    }

    static func searchNextInEditor(_ state: inout UIState) -> [Effect] {
        if let query = state.output.search, state.editor?.find(query) == false { say(&state, "not found: \(query)", error: true) }
        return []
    }

    static func searchNextInOutput(_ state: inout UIState) -> [Effect] {
        if let query = state.output.search, !state.shownLog.find(query, viewHeight: state.outputHeight, next: true) {
            say(&state, "not found: \(query)", error: true)
        }
        return []
    }

    // MARK: The command line

    static func openCommandLine(_ state: inout UIState, prompt: String) -> [Effect] {
        state.previousFocus = state.focus == .command ? state.previousFocus : state.focus
        state.focus = .command
        state.prompt = prompt
        return [.clearLine]
    }

    static func leaveCommandLine(_ state: inout UIState) -> [Effect] {
        state.focus = state.previousFocus
        state.searchTarget = nil
        return [.clearLine]
    }

    /// A key for libedit, as the bytes a terminal sends for it.
    static func editLine(_ state: inout UIState, _ key: Key) -> [Effect] {
        guard let bytes = key.terminalBytes else { return [] }
        if key == .tab { return [.complete(String(state.commandText.prefix(state.commandCursor)))] }
        return [.editLine(bytes)]
    }

    // MARK: The mouse

    private static func click(_ state: inout UIState, x: Int, y: Int) -> [Effect] {
        let layout = Screen.layout(width: state.width, height: state.height)
        if layout.list.contains(x, y) {
            state.focus = .list
            let list = ListLayout(state, height: layout.list.inner.height)
            if let row = list.row(at: y - layout.list.inner.y), row != state.selected {
                state.selected = row
                return selectionChanged(&state)
            }
        } else if layout.editor.contains(x, y) {
            state.focus = .editor
        } else if layout.output.contains(x, y) {
            state.focus = .output
        }
        return []
    }

    private static func wheel(_ state: inout UIState, up: Bool, x: Int, y: Int) -> [Effect] {
        let layout = Screen.layout(width: state.width, height: state.height)
        if layout.output.contains(x, y) { state.shownLog.scroll(by: up ? -3 : 3, viewHeight: state.outputHeight) }
        if layout.editor.contains(x, y) { for _ in 0..<3 { state.editor?.move(up ? .up : .down) } }
        if layout.list.contains(x, y) { return moveSelection(&state, by: up ? -1 : 1) }
        return []
    }
}

extension UIState {
    /// The key table's scope for the focused pane.
    var scope: Scope {
        switch focus {
        case .list: .list
        case .editor: .editor
        case .output: .output
        case .command: .command
        case .shell: .shell
        }
    }
}

extension Rect {
    func contains(_ px: Int, _ py: Int) -> Bool { px >= x && px < x + width && py >= y && py < y + height }
}
