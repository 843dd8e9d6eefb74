/// Shells in a pane of the console: `:shell` opens one in the current sandbox (or shows the one
/// open there), every key but the pane's own rows goes to it, and it closes when it ends.
extension Reducer {
    static func openShell(_ state: inout UIState, _ command: String?) -> [Effect] {
        if let name = state.current, state.shells[name] != nil {
            if command != nil { say(&state, "a shell is open in \(name): this is it (exit it to run a command instead)") }
            show(&state, shell: name)
            return []
        }
        let size = shellSize(state)
        say(&state, "opening a shell in \(state.current ?? "a new sandbox")...")
        return [.openShell(command, rows: size.rows, columns: size.columns)]
    }

    static func shellOpened(_ state: inout UIState, _ name: String, _ screen: TerminalScreen) -> [Effect] {
        state.shells[name] = screen
        state.current = name
        selectCurrentRow(&state)
        show(&state, shell: name)
        return []
    }

    static func shellEnded(_ state: inout UIState, _ name: String, _ code: Int32?) -> [Effect] {
        state.shells[name] = nil
        if state.shellShown == name {
            state.shellShown = nil
            if state.focus == .shell { state.focus = .list }
        }
        say(&state, "the shell in \(name) ended" + (code.map { " (exit \($0))" } ?? ""), error: (code ?? 0) != 0)
        return []
    }

    static func show(_ state: inout UIState, shell name: String) {
        state.shellShown = name
        state.focus = .shell
        say(&state, "shell in \(name): Ctrl-] leaves it running, exit ends it")
    }

    /// A key in the shell pane: the pane's own rows, else the shell's.
    static func shellKey(_ state: inout UIState, _ key: Key) -> [Effect] {
        if let row = KeyTable.bindings.first(where: { $0.scope == .shell && $0.keys.contains(key) }) { return row.run(&state, key) }
        guard let name = state.shellShown else {
            state.focus = .list
            return []
        }
        return [.shellKey(name, key)]
    }

    /// Back to the list; the shell keeps running and `:shell` returns to it.
    static func leaveShell(_ state: inout UIState) -> [Effect] {
        if let name = state.shellShown { say(&state, "the shell in \(name) keeps running: :shell returns to it") }
        state.shellShown = nil
        state.focus = .list
        return []
    }

    static func resizedShells(_ state: UIState) -> [Effect] {
        guard !state.shells.isEmpty else { return [] }
        let size = shellSize(state)
        return [.resizeShells(rows: size.rows, columns: size.columns)]
    }

    /// The shell pane's inside at the current size.
    static func shellSize(_ state: UIState) -> (rows: Int, columns: Int) {
        let inner = Screen.shellPane(width: state.width, height: state.height).inner
        return (max(1, inner.height), max(1, inner.width))
    }
}
