import CEditLine
import Foundation

/// libedit's readline interface, shared by the REPL's prompt and the TUI's command line:
/// Tab completion from one completer, and one history file.
public enum Readline {
    /// Supplies candidates for the line typed so far (up to the cursor). Called on the editing thread.
    nonisolated(unsafe) public static var completer: (String) -> [String] = { _ in [] }
    nonisolated(unsafe) private static var candidates: [String] = []
    nonisolated(unsafe) private static var cursor = 0
    nonisolated(unsafe) private static var historyFile: URL?

    /// Registers completion and loads the history file (kept at most 2000 lines). libedit's
    /// signal handling stays off (``TerminalGuard`` restores the terminal instead).
    public static func setUp(history: URL) {
        sandbox_rl_no_signals()
        historyFile = history
        try? FileManager.default.createDirectory(at: history.deletingLastPathComponent(), withIntermediateDirectories: true)
        sandbox_rl_configure { text, _, _ in
            let raw = sandbox_rl_line_to_cursor()
            defer { free(raw) }
            Readline.candidates = Readline.completer(raw.map { String(cString: $0) } ?? "")
            let onlyDirectory = Readline.candidates.count == 1 && Readline.candidates[0].hasSuffix("/")
            sandbox_rl_set_append_character(onlyDirectory ? 0 : 32)
            guard let text else { return nil }
            return rl_completion_matches(text, { text, state in
                if state == 0 { Readline.cursor = 0 }
                let prefix = text.map { String(cString: $0) } ?? ""
                while Readline.cursor < Readline.candidates.count {
                    let candidate = Readline.candidates[Readline.cursor]
                    Readline.cursor += 1
                    if candidate.hasPrefix(prefix) { return strdup(candidate) }
                }
                return nil
            })
        }
        _ = read_history(history.path)
    }

    /// The candidates the last completion offered (the TUI shows them when there are several).
    public static var lastCandidates: [String] { candidates }

    /// Adds a non-blank line to the history and saves the file.
    public static func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, let historyFile else { return }
        add_history(line)
        _ = write_history(historyFile.path)
        _ = history_truncate_file(historyFile.path, 2000)
    }

    /// Reads a line at a prompt on the terminal; nil at end of input (Ctrl-D). With
    /// `remembering: false` the line stays out of the history (a heredoc's body, which may
    /// hold secrets).
    public static func readLine(prompt: String, remembering: Bool = true) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if remembering { remember(line) }
        return line
    }
}

