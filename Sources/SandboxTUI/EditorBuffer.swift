/// A cursor movement in the editor.
public enum Motion: Sendable, Equatable { case left, right, up, down, pageUp, pageDown, home, end, top, bottom }

/// The text being edited: lines of characters, a cursor, undo and redo, search.
public struct EditorBuffer: Sendable {
    public private(set) var lines: [[Character]]
    public private(set) var line = 0
    public private(set) var column = 0
    public private(set) var modified = false
    /// The column the cursor wants when moving up and down through shorter lines.
    private var goalColumn = 0
    private var undoStack: [Snapshot] = []
    private var redoStack: [Snapshot] = []
    /// Consecutive typing is undone as one step.
    private var typingRun = false
    public static let undoLimit = 500
    public static let indent: [Character] = Array("    ")

    struct Snapshot: Sendable {
        var lines: [[Character]]
        var line: Int
        var column: Int
        var modified: Bool
    }

    /// Whether every line ended with CRLF: then lines are shown without the CR and saved with it.
    /// In a file that mixes endings a CR stays part of its line, so it is written back as it came.
    public private(set) var crlf = false
    /// Whether the content ends with a line ending; kept as the file had it.
    public private(set) var finalNewline = true
    /// Counts changes (edits, undo, redo), so a copy can tell whether it is behind.
    public private(set) var revision = 0
    private var startedEmpty = false

    /// Splits on `\n` bytes: `"\r\n"` is one Swift `Character`, so splitting characters on
    /// `"\n"` would never split a CRLF file. Text typed into an empty file gets a final newline.
    public init(text: String = "") {
        let bytes = Array(text.utf8)
        var pieces = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        startedEmpty = bytes.isEmpty
        finalNewline = bytes.isEmpty || bytes.last == 0x0A
        // Every piece but the last ended with \n; the last is empty when the text ends with one.
        if bytes.last == 0x0A { pieces.removeLast() }
        let ended = bytes.last == 0x0A ? pieces.count : pieces.count - 1
        crlf = ended > 0 && pieces.prefix(ended).allSatisfy { $0.last == 0x0D }
        if crlf { for index in 0..<ended { pieces[index].removeLast() } }
        let lines = pieces.map { Array(String(decoding: $0, as: UTF8.self)) }
        self.lines = lines.isEmpty ? [[]] : lines
    }

    /// The content as the file had it: the same line endings, and a final one only if it had
    /// one. A buffer with no text at all is an empty file.
    public var text: String {
        if startedEmpty && lines.count == 1 && lines[0].isEmpty { return "" }
        let ending = crlf ? "\r\n" : "\n"
        return lines.map { String($0) }.joined(separator: ending) + (finalNewline ? ending : "")
    }

    public var currentLine: [Character] { lines[line] }

    public mutating func markSaved() { modified = false }

    /// For text that is not what the file holds (edits recovered after a crash).
    public mutating func markModified() {
        modified = true
        revision += 1
    }

    // MARK: Editing

    public mutating func insert(_ char: Character) {
        if char == "\n" || char == "\r\n" { return newline() }
        record(typing: true)
        lines[line].insert(char, at: column)
        column += 1
        goalColumn = column
    }

    public mutating func insert(_ text: String) {
        for char in text { insert(char) }
    }

    /// Splits the line at the cursor; the new line keeps the old one's indentation, one level
    /// deeper when the text before the cursor ends in one of `opening` (`:` in Python, `{`).
    /// Between a bracket and its closer (`{|}`) the closer goes to a line of its own.
    public mutating func newline(opening: Set<Character> = []) {
        record(typing: false)
        var rest = Array(lines[line][column...])
        lines[line].removeSubrange(column...)
        let indent = Array(lines[line].prefix { $0 == " " || $0 == "\t" })
        let last = lines[line].last { $0 != " " && $0 != "\t" }
        var inner = indent
        if let last, opening.contains(last) {
            inner += indent.contains("\t") ? ["\t"] : Self.indent
            let closer = rest.drop { $0 == " " || $0 == "\t" }.first
            if let closer, Self.closers[last] == closer {
                lines.insert(indent + rest.drop { $0 == " " || $0 == "\t" }, at: line + 1)
                rest = []
            }
        }
        lines.insert(inner + rest, at: line + 1)
        line += 1
        column = inner.count
        goalColumn = column
    }

    static let closers: [Character: Character] = ["{": "}", "[": "]", "(": ")"]

    public mutating func indent() {
        record(typing: true)
        lines[line].insert(contentsOf: Self.indent, at: column)
        column += Self.indent.count
        goalColumn = column
    }

    public mutating func backspace() {
        if column > 0 {
            record(typing: true)
            lines[line].remove(at: column - 1)
            column -= 1
        } else if line > 0 {
            record(typing: false)
            let rest = lines.remove(at: line)
            line -= 1
            column = lines[line].count
            lines[line] += rest
        }
        goalColumn = column
    }

    public mutating func deleteForward() {
        if column < lines[line].count {
            record(typing: true)
            lines[line].remove(at: column)
        } else if line + 1 < lines.count {
            record(typing: false)
            lines[line] += lines.remove(at: line + 1)
        }
    }

    // MARK: Moving

    public mutating func move(_ motion: Motion, page: Int = 20) {
        typingRun = false
        switch motion {
        case .left:
            if column > 0 { column -= 1 } else if line > 0 { line -= 1; column = lines[line].count }
            goalColumn = column
        case .right:
            if column < lines[line].count { column += 1 } else if line + 1 < lines.count { line += 1; column = 0 }
            goalColumn = column
        case .up: moveVertically(-1)
        case .down: moveVertically(1)
        case .pageUp: moveVertically(-max(1, page))
        case .pageDown: moveVertically(max(1, page))
        case .home:
            let indent = lines[line].prefix { $0 == " " }.count
            column = column == indent ? 0 : indent  // first Home to the text, second to column 0
            goalColumn = column
        case .end: column = lines[line].count; goalColumn = column
        case .top: line = 0; column = 0; goalColumn = 0
        case .bottom: line = lines.count - 1; column = lines[line].count; goalColumn = column
        }
    }

    private mutating func moveVertically(_ delta: Int) {
        line = min(max(0, line + delta), lines.count - 1)
        column = min(goalColumn, lines[line].count)
    }

    public mutating func moveTo(line: Int, column: Int) {
        self.line = min(max(0, line), lines.count - 1)
        self.column = min(max(0, column), lines[self.line].count)
        goalColumn = self.column
        typingRun = false
    }

    // MARK: Undo

    private mutating func record(typing: Bool) {
        if typing && typingRun { modified = true; revision += 1; return }
        undoStack.append(Snapshot(lines: lines, line: line, column: column, modified: modified))
        if undoStack.count > Self.undoLimit { undoStack.removeFirst() }
        redoStack.removeAll()
        typingRun = typing
        modified = true
        revision += 1
    }

    @discardableResult
    public mutating func undo() -> Bool {
        guard let snapshot = undoStack.popLast() else { return false }
        redoStack.append(Snapshot(lines: lines, line: line, column: column, modified: modified))
        restore(snapshot)
        return true
    }

    @discardableResult
    public mutating func redo() -> Bool {
        guard let snapshot = redoStack.popLast() else { return false }
        undoStack.append(Snapshot(lines: lines, line: line, column: column, modified: modified))
        restore(snapshot)
        return true
    }

    private mutating func restore(_ snapshot: Snapshot) {
        lines = snapshot.lines
        line = snapshot.line
        column = snapshot.column
        modified = snapshot.modified
        goalColumn = column
        typingRun = false
        revision += 1
    }

    // MARK: Search

    /// Moves to the next occurrence of `query` after the cursor, wrapping around. Returns false
    /// when there is none.
    @discardableResult
    public mutating func find(_ query: String, fromNext: Bool = true) -> Bool {
        let needle = Array(query)
        guard !needle.isEmpty else { return false }
        for step in 0...lines.count {
            let index = (line + step) % lines.count
            let start = step == 0 ? column + (fromNext ? 1 : 0) : 0
            if let found = Self.firstIndex(of: needle, in: lines[index], from: start) {
                moveTo(line: index, column: found)
                return true
            }
            if step == lines.count { break }
        }
        return false
    }

    static func firstIndex(of needle: [Character], in haystack: [Character], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
