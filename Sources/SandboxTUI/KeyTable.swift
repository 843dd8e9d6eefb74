/// A row of the key table: the keys, how `?` names them, and what they do.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var label: String
    public var scope: Scope
    public var help: String
    /// The handler: changes the state and asks for effects (given the key, for rows of several).
    public var run: @Sendable (inout UIState, Key) -> [Effect]

    init(_ keys: [Key], _ label: String, _ scope: Scope, _ help: String, _ run: @escaping @Sendable (inout UIState, Key) -> [Effect]) {
        (self.keys, self.label, self.scope, self.help, self.run) = (keys, label, scope, help, run)
    }

    init(_ keys: [Key], _ label: String, _ scope: Scope, _ help: String, _ run: @escaping @Sendable (inout UIState) -> [Effect]) {
        self.init(keys, label, scope, help) { state, _ in run(&state) }
    }
}

/// The one table of keys, and the dispatch: a key runs the handler of its row (the focused
/// pane's row first, then a global one), and `?` and sandbox-console(7) list the same rows.
/// Only printable characters typed into the editor or the command line have no row: they are
/// text (``Reducer/typed(_:_:)``).
public enum KeyTable {
    typealias R = Reducer

    public static let bindings: [KeyBinding] = [
        KeyBinding([.function(5), .ctrl("r")], "F5 / Ctrl-R", .global, "save the open file and run it", R.saveAndRun),
        KeyBinding([.ctrl("s")], "Ctrl-S", .global, "save the open file") { R.save(&$0, thenRun: false) },
        KeyBinding([.ctrl("c")], "Ctrl-C", .global, "cancel the running command (killed in the container)", R.cancel),
        KeyBinding([.backTab], "Shift-Tab", .global, "previous pane") { R.cycleFocus(&$0, by: -1) },
        KeyBinding([.tab], "Tab", .global, "next pane (in the editor Tab indents)") { R.cycleFocus(&$0, by: 1) },
        KeyBinding([.function(1)], "F1", .global, "this help", R.showHelp),
        KeyBinding([.function(4)], "F4", .global, "open the next location the output names (traceback, path:line[:col], stack frame) in the editor") {
            R.goToLocation(&$0, forward: true)
        },
        KeyBinding([.function(16)], "Shift-F4 (F16)", .global, "the previous location") { R.goToLocation(&$0, forward: false) },
        KeyBinding([.function(6)], "F6", .global, "reopen edits kept when a console ended unsaved (signal, crash)", R.restoreKept),
        KeyBinding([.function(7)], "F7", .global, "discard those kept edits", R.discardKept),
        KeyBinding([.function(8)], "F8", .global, "next output tab (the commands', then each background job's or egress tab)", R.nextTab),
        KeyBinding([.function(9)], "F9", .global, "mouse capture on/off (off lets you select text)", R.toggleMouse),
        KeyBinding([.ctrl("l")], "Ctrl-L", .global, "repaint the whole screen") { _ in [.repaint] },
        KeyBinding([.ctrl("z")], "Ctrl-Z", .global, "suspend to the shell (fg to return)") { _ in [.suspend] },
        KeyBinding([.pageUp], "PgUp", .global, "page up") { R.page(&$0, by: -1) },
        KeyBinding([.pageDown], "PgDn", .global, "page down") { R.page(&$0, by: 1) },
        KeyBinding([.home], "Home", .global, "start (of the line in the editor)") { R.toEnd(&$0, last: false) },
        KeyBinding([.end], "End", .global, "end (of the line in the editor)") { R.toEnd(&$0, last: true) },

        KeyBinding([.up, .char("k")], "↑ / k", .list, "previous sandbox") { R.moveSelection(&$0, by: -1) },
        KeyBinding([.down, .char("j")], "↓ / j", .list, "next sandbox") { R.moveSelection(&$0, by: 1) },
        KeyBinding([.char(":")], ":", .list, "command line") { R.openCommandLine(&$0, prompt: ":") },
        KeyBinding([.char("/")], "/", .list, "search the output") { R.search(&$0, in: .output) },
        KeyBinding([.char("a")], "a", .list, "show all containers, or only sandboxes", R.toggleAll),
        KeyBinding([.char("e")], "e", .list, "egress tab: what the current sandbox is denied, as it happens", R.showEgress),
        KeyBinding([.char("?")], "?", .list, "this help", R.showHelp),
        KeyBinding([.char("q")], "q", .list, "quit (asks when the buffer is modified)", R.requestQuit),

        KeyBinding([.up, .down, .left, .right], "↑ ↓ ← →", .editor, "move the cursor", R.moveCursor),
        KeyBinding([.enter], "Enter", .editor, "new line (keeps the indent; one more after : in Python, { [ ()", R.newline),
        KeyBinding([.tab], "Tab", .editor, "indent (4 spaces)") { R.edit(&$0) { $0.indent() } },
        KeyBinding([.backspace], "Backspace", .editor, "delete before the cursor") { R.edit(&$0) { $0.backspace() } },
        KeyBinding([.delete, .ctrl("d")], "Delete / Ctrl-D", .editor, "delete at the cursor") { R.edit(&$0) { $0.deleteForward() } },
        KeyBinding([.ctrl("u")], "Ctrl-U", .editor, "undo") { R.undo(&$0, redo: false) },
        KeyBinding([.ctrl("y")], "Ctrl-Y", .editor, "redo") { R.undo(&$0, redo: true) },
        KeyBinding([.ctrl("f")], "Ctrl-F", .editor, "search in the file") { R.search(&$0, in: .editor) },
        KeyBinding([.function(3), .ctrl("n")], "F3 / Ctrl-N", .editor, "next match", R.searchNextInEditor),
        KeyBinding([.escape], "Esc", .editor, "leave the editor (to the list)") { state in
            state.focus = .list
            return []
        },

        KeyBinding([.up, .char("k")], "↑ / k", .output, "scroll up (pauses following)") { R.scroll(&$0, by: -1) },
        KeyBinding([.down, .char("j")], "↓ / j", .output, "scroll down") { R.scroll(&$0, by: 1) },
        KeyBinding([.char("g")], "g", .output, "oldest line") { R.toEnd(&$0, last: false) },
        KeyBinding([.char("G")], "G / End", .output, "newest line, follow again") { R.toEnd(&$0, last: true) },
        KeyBinding([.char("/")], "/", .output, "search the output") { R.search(&$0, in: .output) },
        KeyBinding([.char("n")], "n", .output, "next (older) match", R.searchNextInOutput),
        KeyBinding([.char(":")], ":", .output, "command line") { R.openCommandLine(&$0, prompt: ":") },
        KeyBinding([.char("x")], "x", .output, "close the shown job's or egress tab (a job keeps running: :logs N reopens it, :kill N ends it)", R.closeTab),
        KeyBinding([.char("?")], "?", .output, "this help", R.showHelp),
        KeyBinding([.char("q")], "q", .output, "quit", R.requestQuit),

        KeyBinding([.ctrl("]")], "Ctrl-]", .shell, "leave the shell pane, the shell kept running (:shell returns; exit ends it)", R.leaveShell),

        KeyBinding([.enter], "Enter", .command, "run the command (or search)") { _ in [.submitLine] },
        KeyBinding([.escape, .ctrl("c")], "Esc / Ctrl-C", .command, "leave the command line", R.leaveCommandLine),
        KeyBinding([.tab], "Tab", .command, "complete commands, sandboxes, runtimes, themes, paths", R.editLine),
        KeyBinding([.up, .down], "↑ / ↓", .command, "history (shared with the REPL)", R.editLine),
        KeyBinding([.left, .right, .home, .end, .backspace, .delete], "← → Home End Bksp Del", .command, "move, delete", R.editLine),
        KeyBinding(emacsKeys, "Ctrl-A/E/K/W...", .command, "emacs editing keys (libedit)", R.editLine),
    ]

    /// Every Ctrl-letter but Ctrl-C goes to libedit on the command line (Ctrl-S, Ctrl-R and
    /// Ctrl-Z included: there they edit, as in the REPL). Ctrl-H, I, J and M arrive as
    /// Backspace, Tab and Enter.
    static let emacsKeys: [Key] = "abdefgklnopqrstuvwxyz".map { .ctrl($0) }

    /// The row a key runs in a scope: the pane's own first, then a global one.
    public static func binding(for key: Key, in scope: Scope) -> KeyBinding? {
        bindings.first { $0.scope == scope && $0.keys.contains(key) } ?? bindings.first { $0.scope == .global && $0.keys.contains(key) }
    }

    private static let labelWidth = bindings.map(\.label.count).max().map { $0 + 2 } ?? 0

    /// The `?` screen: every row, grouped by where it applies.
    public static var helpText: [String] {
        Scope.allCases.flatMap { scope -> [String] in
            let rows = bindings.filter { $0.scope == scope }
            return [scope.rawValue] + rows.map { "  " + $0.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + $0.help } + [""]
        }
    }
}
