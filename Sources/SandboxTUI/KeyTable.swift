/// A key as the input layer reports it.
public enum Key: Hashable, Sendable {
    case char(Character)
    case ctrl(Character)
    case function(Int)
    case up, down, left, right, home, end, pageUp, pageDown
    case backspace, delete, enter, tab, backTab, escape
    case resize
    case click(x: Int, y: Int)
    case wheel(up: Bool, x: Int, y: Int)
}

/// Where a binding applies. `global` bindings work in every pane unless the pane has its own.
public enum Scope: String, CaseIterable, Sendable {
    case global = "Everywhere", list = "Sandbox list", editor = "Editor", output = "Output", command = "Command line"
}

public enum Action: Sendable, Equatable {
    case focusNext, focusPrevious, commandLine, saveAndRun, save, cancel, search, searchNext
    case up, down, left, right, pageUp, pageDown, home, end, top, bottom
    case quit, help, toggleMouse, toggleAll, redraw, suspend, undo, redo
    case newline, backspace, deleteForward, indent, leave
    case restoreKept, discardKept
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var label: String
    public var scope: Scope
    public var action: Action
    public var help: String
}

/// The one table of keys: input handling looks keys up here, and `?` shows it.
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.function(5), .ctrl("r")], label: "F5 / Ctrl-R", scope: .global, action: .saveAndRun, help: "save the open file and run it"),
        KeyBinding(keys: [.ctrl("s")], label: "Ctrl-S", scope: .global, action: .save, help: "save the open file"),
        KeyBinding(keys: [.ctrl("c")], label: "Ctrl-C", scope: .global, action: .cancel, help: "cancel the running command (killed in the container)"),
        KeyBinding(keys: [.backTab], label: "Shift-Tab", scope: .global, action: .focusPrevious, help: "previous pane"),
        KeyBinding(keys: [.tab], label: "Tab", scope: .global, action: .focusNext, help: "next pane (in the editor Tab indents)"),
        KeyBinding(keys: [.function(1)], label: "F1", scope: .global, action: .help, help: "this help"),
        KeyBinding(keys: [.function(6)], label: "F6", scope: .global, action: .restoreKept,
                   help: "reopen edits kept when a console ended unsaved (signal, crash)"),
        KeyBinding(keys: [.function(7)], label: "F7", scope: .global, action: .discardKept, help: "discard those kept edits"),
        KeyBinding(keys: [.function(9)], label: "F9", scope: .global, action: .toggleMouse, help: "mouse capture on/off (off lets you select text)"),
        KeyBinding(keys: [.ctrl("l")], label: "Ctrl-L", scope: .global, action: .redraw, help: "redraw the screen"),
        KeyBinding(keys: [.ctrl("z")], label: "Ctrl-Z", scope: .global, action: .suspend, help: "suspend to the shell (fg to return)"),
        KeyBinding(keys: [.pageUp], label: "PgUp", scope: .global, action: .pageUp, help: "page up"),
        KeyBinding(keys: [.pageDown], label: "PgDn", scope: .global, action: .pageDown, help: "page down"),
        KeyBinding(keys: [.home], label: "Home", scope: .global, action: .home, help: "start (of the line in the editor)"),
        KeyBinding(keys: [.end], label: "End", scope: .global, action: .end, help: "end (of the line in the editor)"),

        KeyBinding(keys: [.up, .char("k")], label: "↑ / k", scope: .list, action: .up, help: "previous sandbox"),
        KeyBinding(keys: [.down, .char("j")], label: "↓ / j", scope: .list, action: .down, help: "next sandbox"),
        KeyBinding(keys: [.char(":")], label: ":", scope: .list, action: .commandLine, help: "command line"),
        KeyBinding(keys: [.char("/")], label: "/", scope: .list, action: .search, help: "search the output"),
        KeyBinding(keys: [.char("a")], label: "a", scope: .list, action: .toggleAll, help: "show all containers, or only sandboxes"),
        KeyBinding(keys: [.char("?")], label: "?", scope: .list, action: .help, help: "this help"),
        KeyBinding(keys: [.char("q")], label: "q", scope: .list, action: .quit, help: "quit (asks when the buffer is modified)"),

        KeyBinding(keys: [.up], label: "↑ ↓ ← →", scope: .editor, action: .up, help: "move the cursor"),
        KeyBinding(keys: [.down], label: "", scope: .editor, action: .down, help: ""),
        KeyBinding(keys: [.left], label: "", scope: .editor, action: .left, help: ""),
        KeyBinding(keys: [.right], label: "", scope: .editor, action: .right, help: ""),
        KeyBinding(keys: [.enter], label: "Enter", scope: .editor, action: .newline, help: "new line (keeps the indent)"),
        KeyBinding(keys: [.tab], label: "Tab", scope: .editor, action: .indent, help: "indent (4 spaces)"),
        KeyBinding(keys: [.backspace], label: "Backspace", scope: .editor, action: .backspace, help: "delete before the cursor"),
        KeyBinding(keys: [.delete, .ctrl("d")], label: "Delete / Ctrl-D", scope: .editor, action: .deleteForward, help: "delete at the cursor"),
        KeyBinding(keys: [.ctrl("u")], label: "Ctrl-U", scope: .editor, action: .undo, help: "undo"),
        KeyBinding(keys: [.ctrl("y")], label: "Ctrl-Y", scope: .editor, action: .redo, help: "redo"),
        KeyBinding(keys: [.ctrl("f")], label: "Ctrl-F", scope: .editor, action: .search, help: "search in the file"),
        KeyBinding(keys: [.function(3), .ctrl("n")], label: "F3 / Ctrl-N", scope: .editor, action: .searchNext, help: "next match"),
        KeyBinding(keys: [.escape], label: "Esc", scope: .editor, action: .leave, help: "leave the editor (to the list)"),

        KeyBinding(keys: [.up, .char("k")], label: "↑ / k", scope: .output, action: .up, help: "scroll up (pauses following)"),
        KeyBinding(keys: [.down, .char("j")], label: "↓ / j", scope: .output, action: .down, help: "scroll down"),
        KeyBinding(keys: [.char("g")], label: "g", scope: .output, action: .top, help: "oldest line"),
        KeyBinding(keys: [.char("G")], label: "G / End", scope: .output, action: .bottom, help: "newest line, follow again"),
        KeyBinding(keys: [.char("/")], label: "/", scope: .output, action: .search, help: "search the output"),
        KeyBinding(keys: [.char("n")], label: "n", scope: .output, action: .searchNext, help: "next (older) match"),
        KeyBinding(keys: [.char(":")], label: ":", scope: .output, action: .commandLine, help: "command line"),
        KeyBinding(keys: [.char("?")], label: "?", scope: .output, action: .help, help: "this help"),
        KeyBinding(keys: [.char("q")], label: "q", scope: .output, action: .quit, help: "quit"),

        KeyBinding(keys: [.enter], label: "Enter", scope: .command, action: .newline, help: "run the command"),
        KeyBinding(keys: [.escape], label: "Esc", scope: .command, action: .leave, help: "leave the command line"),
        KeyBinding(keys: [], label: "Tab", scope: .command, action: .indent, help: "complete commands, sandboxes, runtimes, themes, paths"),
        KeyBinding(keys: [], label: "↑ / ↓", scope: .command, action: .up, help: "history (shared with the REPL)"),
        KeyBinding(keys: [], label: "Ctrl-A/E/K/W...", scope: .command, action: .home, help: "emacs editing keys (libedit)"),
    ]

    /// The action for a key in a pane: the pane's own binding first, then a global one.
    public static func action(for key: Key, in scope: Scope) -> Action? {
        if let binding = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) { return binding.action }
        return bindings.first { $0.scope == .global && $0.keys.contains(key) }?.action
    }

    /// The `?` screen: every binding with a label, grouped by where it applies.
    public static var helpText: [String] {
        Scope.allCases.flatMap { scope -> [String] in
            let rows = bindings.filter { $0.scope == scope && !$0.label.isEmpty }
            return [scope.rawValue] + rows.map { "  " + $0.label.padding(toLength: 16, withPad: " ", startingAt: 0) + $0.help } + [""]
        }
    }
}
