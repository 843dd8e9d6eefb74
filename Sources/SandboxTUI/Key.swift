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

    /// What a terminal would send libedit for the key (it edits with emacs bindings); nil for
    /// keys the command line leaves to the rest of the console.
    public var terminalBytes: [UInt8]? {
        switch self {
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
}

/// Where a binding applies. `global` bindings work in every pane unless the pane has its own.
public enum Scope: String, CaseIterable, Sendable {
    case global = "Everywhere", list = "Sandbox list", editor = "Editor", output = "Output", command = "Command line"
    /// Only its own rows: every other key goes to the shell.
    case shell = "Shell pane"
}
