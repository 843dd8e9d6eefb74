import CEditLine
import Foundation

/// Line input for the REPL: libedit (emacs keys, history, Tab completion) on a terminal, plain
/// `readLine` otherwise so a file of commands runs as a script.
final class LineEditor {
    let interactive: Bool
    private let historyFile: URL

    /// Supplies completion candidates for the line typed so far; called on libedit's thread.
    nonisolated(unsafe) static var completer: (String) -> [String] = { _ in [] }
    nonisolated(unsafe) private static var candidates: [String] = []

    init(interactive: Bool) {
        self.interactive = interactive
        historyFile = StatePaths.history
        guard interactive else { return }
        sandbox_rl_configure { text, _, _ in
            let raw = sandbox_rl_line_to_cursor()
            defer { free(raw) }
            let upToCursor = raw.map { String(cString: $0) } ?? ""
            LineEditor.candidates = LineEditor.completer(upToCursor)
            let onlyDirectory = LineEditor.candidates.count == 1 && LineEditor.candidates[0].hasSuffix("/")
            sandbox_rl_set_append_character(onlyDirectory ? 0 : 32)
            guard let text else { return nil }
            return rl_completion_matches(text, { text, state in
                if state == 0 { LineEditor.cursor = 0 }
                let prefix = text.map { String(cString: $0) } ?? ""
                while LineEditor.cursor < LineEditor.candidates.count {
                    let candidate = LineEditor.candidates[LineEditor.cursor]
                    LineEditor.cursor += 1
                    if candidate.hasPrefix(prefix) { return strdup(candidate) }
                }
                return nil
            })
        }
        try? FileManager.default.createDirectory(at: historyFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = read_history(historyFile.path)
    }

    nonisolated(unsafe) private static var cursor = 0

    /// The next line, or nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) -> String? {
        guard interactive else { return Swift.readLine(strippingNewline: true) }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            _ = write_history(historyFile.path)
            _ = history_truncate_file(historyFile.path, 2000)
        }
        return line
    }
}

/// Where per-user state lives: `$XDG_STATE_HOME/sandbox` (default `~/.local/state/sandbox`).
enum StatePaths {
    static var directory: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return base.appendingPathComponent("sandbox")
    }
    /// Shared by the REPL and the TUI's command line.
    static var history: URL { directory.appendingPathComponent("history") }
}
