import CNcurses
import SandboxKit

/// What a cell means; a theme decides how each looks.
public enum Role: String, CaseIterable, Sendable {
    case text, dim, border, borderFocus = "border-focus", title, selected, status, command
    case stdout, stderr, header, info, error, lineNumber = "line-number", cursorLine = "cursor-line", match
    case running, exited, building, agent
    /// The editor's syntax colours.
    case keyword, string, comment, number, constant, key

    /// The role a theme that does not define this one uses instead (themes written before the
    /// syntax roles keep comments dim and keywords bold).
    var fallback: Role {
        switch self {
        case .comment: .dim
        case .keyword: .title
        default: .text
        }
    }
}

public struct Cell: Equatable, Sendable {
    public var char: Character
    public var role: Role
    /// The right half of a wide character drawn in the cell before.
    public var continuation = false
    /// A role whose background shows under this cell's colours (the editor's cursor line
    /// under coloured code).
    public var background: Role?
    /// Colours a program chose (the shell pane), instead of the role's.
    public var ink: Ink?
}

/// The screen as a grid of cells. Everything is drawn here, so layout and rendering are tested
/// headless; the curses backend only copies cells to the terminal.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor goes after drawing (the focused editor or command line).
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(char: " ", role: .text), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Writes `text` from (x, y), clipped to `limit` cells (and the canvas). Wide characters take
    /// two cells; one that does not fit is left out. Returns the cells used.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, role: Role, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        for char in text {
            let w = CharWidth.of(char)
            if w == 0 { continue }
            if column + w > end { break }
            if column >= 0 {
                cells[y * width + column] = Cell(char: CharWidth.printable(char), role: role)
                if w == 2 { cells[y * width + column + 1] = Cell(char: " ", role: role, continuation: true) }
            }
            column += w
        }
        return column - x
    }

    /// One cell as it is (the shell pane's, already laid out by its terminal).
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        cells[y * width + x] = cell
    }

    public mutating func fill(_ rect: Rect, role: Role, char: Character = " ") {
        for y in max(0, rect.y)..<min(height, rect.y + rect.height) {
            for x in max(0, rect.x)..<min(width, rect.x + rect.width) { cells[y * width + x] = Cell(char: char, role: role) }
        }
    }

    /// Puts `role`'s background under cells, keeping their characters and colours.
    public mutating func shade(x: Int, y: Int, count: Int, role: Role) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<max(max(0, x), min(width, x + count)) { cells[y * width + column].background = role }
    }

    /// Changes the role of cells without touching their characters (highlights).
    public mutating func paint(x: Int, y: Int, count: Int, role: Role) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + count) { cells[y * width + column].role = role }
    }

    /// The screen as text, one line per row, trailing spaces removed (golden tests, README).
    public var text: String {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width where !self[x, y].continuation { line.append(self[x, y].char) }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

public struct Rect: Equatable, Sendable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { (self.x, self.y, self.width, self.height) = (x, y, width, height) }
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }
}

/// Terminal cell widths (needs `setlocale` to have run for CJK to count as two).
public enum CharWidth {
    public static func of(_ char: Character) -> Int {
        guard let scalar = char.unicodeScalars.first else { return 0 }
        if TerminalText.isControl(scalar) { return 1 }  // shown as a placeholder
        if scalar.value < 0x7F { return 1 }
        let width = Int(wcwidth(wchar_t(bitPattern: scalar.value)))
        return width >= 0 ? width : (isWide(scalar.value) ? 2 : 1)
    }

    /// East Asian wide ranges, for when the C library cannot tell (no UTF-8 locale).
    private static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v)
    }

    public static func of(_ text: some StringProtocol) -> Int { text.reduce(0) { $0 + of($1) } }

    /// Text from sandboxes is drawn: what a terminal (or a recording's player) would act on rather
    /// than show becomes "?" (a control is a grapheme cluster of its own: the first scalar tells).
    static func printable(_ char: Character) -> Character {
        guard let scalar = char.unicodeScalars.first, TerminalText.isControl(scalar) else { return char }
        return "?"
    }
}
