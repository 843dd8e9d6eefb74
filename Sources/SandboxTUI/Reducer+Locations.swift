import SandboxCommands

/// F4 and Shift-F4 (`:next-error`, `:prev-error`): the locations the output names, in the editor.
extension Reducer {
    static func goToLocation(_ state: inout UIState, forward: Bool) -> [Effect] {
        var log = state.shownLog
        guard let location = log.goToLocation(forward: forward, viewHeight: state.outputHeight) else {
            say(&state, "no \(forward ? "next" : "previous") location in the output (F4 reads tracebacks, path:line[:col] and stack frames)", error: true)
            return []
        }
        state.shownLog = log
        let place = "\(location.path):\(location.line)" + (location.column.map { ":\($0)" } ?? "")
        // The open file only moves its cursor, edits and all.
        if state.editor != nil, let path = state.editorPath, state.editorSandbox == state.current, samePath(path, location.path) {
            state.editor?.go(to: location)
            state.focus = .editor
            say(&state, place)
            return []
        }
        let effects = open(&state, location.path)
        state.pendingLocation = location
        return effects
    }

    /// `main.py` and `/workspace/main.py` are the same file to a traceback printed in the work directory.
    static func samePath(_ a: String, _ b: String) -> Bool {
        func plain(_ path: String) -> String { path.hasPrefix("./") ? String(path.dropFirst(2)) : path }
        let (a, b) = (plain(a), plain(b))
        return a == b || a.hasSuffix("/" + b) && !b.hasPrefix("/") || b.hasSuffix("/" + a) && !a.hasPrefix("/")
    }
}
