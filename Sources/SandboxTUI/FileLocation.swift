/// A place in a file that a line of output names: a Python traceback's `File "x.py", line 3`, a
/// compiler's, linter's or `grep -n`'s `path:line[:column]`, a Node stack frame's `at f (x.js:3:7)`.
/// F4 and Shift-F4 go through them and open each in the editor.
public struct FileLocation: Sendable, Equatable {
    public var path: String
    /// 1-based, as tools print them.
    public var line: Int
    public var column: Int?

    public init(path: String, line: Int, column: Int? = nil) { (self.path, self.line, self.column) = (path, line, column) }

    /// The location a line of output names, if any: a traceback's, else a stack frame's, else a
    /// `path:line` that starts the line. Only a line's first 512 characters are read, with
    /// anchored patterns, so output made to be slow to match (it comes from the sandbox) is not.
    public static func find(in line: String) -> FileLocation? {
        guard line.contains(":") || line.contains("File \"") else { return nil }
        let text = String(line.prefix(512))
        if let match = text.firstMatch(of: python), let line = Int(match.line), !match.path.hasPrefix("<") {
            return FileLocation(path: String(match.path), line: line)
        }
        if let match = text.firstMatch(of: node), let line = Int(match.line), let column = Int(match.column),
           !match.path.hasPrefix("node:"), !match.path.hasPrefix("internal/") {
            return FileLocation(path: String(match.path), line: line, column: column)
        }
        if let match = text.firstMatch(of: compiler), let line = Int(match.line), looksLikeAPath(match.path) {
            return FileLocation(path: String(match.path), line: line, column: match.column.flatMap { Int($0) })
        }
        return nil
    }

    // Regex is not Sendable, but these are constants only ever read.
    private nonisolated(unsafe) static let python = /File "(?<path>[^"]+)", line (?<line>\d{1,9})/
    private nonisolated(unsafe) static let node = /^\s*at (?:[^()]*\()?(?<path>[^()\s]+?):(?<line>\d{1,9}):(?<column>\d{1,9})\)?\s*$/
    private nonisolated(unsafe) static let compiler = /^\s*(?<path>[^\s:"'<>|()]+):(?<line>\d{1,9})(?::(?<column>\d{1,9}))?(?::|\s|$)/

    /// `src/a.c` or `main.py`, not `localhost` or `127.0.0.1` (`HOST:PORT` looks the same).
    private static func looksLikeAPath(_ word: Substring) -> Bool {
        guard word.contains("/") || word.contains(".") else { return false }
        if word.allSatisfy({ $0.isNumber || $0 == "." }) { return false }
        return !word.contains("//")
    }
}

extension EditorBuffer {
    /// The cursor on a location's line and column (tools count from 1).
    mutating func go(to location: FileLocation) {
        moveTo(line: location.line - 1, column: (location.column ?? 1) - 1)
    }
}
