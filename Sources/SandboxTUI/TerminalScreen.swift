/// What a shell pane shows: a copy of its emulator's screen, as a value the reducer keeps and
/// ``Screen`` draws (``ShellTerminal`` makes it).
public struct TerminalScreen: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    /// Row by row; a wide character's right half is a cell with `continuation`.
    public var cells: [TerminalCell]
    /// Where the cursor is, nil while the program hides it.
    public var cursor: (row: Int, column: Int)?

    public init(rows: Int, columns: Int) {
        (self.rows, self.columns) = (max(0, rows), max(0, columns))
        cells = Array(repeating: TerminalCell(), count: self.rows * self.columns)
    }

    public subscript(row: Int, column: Int) -> TerminalCell { cells[row * columns + column] }

    /// The screen as text (tests).
    public var text: String {
        (0..<rows).map { row in
            String((0..<columns).filter { !self[row, $0].continuation }.map { self[row, $0].char })
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    public static func == (a: TerminalScreen, b: TerminalScreen) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.cells == b.cells && a.cursor?.row == b.cursor?.row && a.cursor?.column == b.cursor?.column
    }
}

public struct TerminalCell: Sendable, Equatable {
    public var char: Character = " "
    public var continuation = false
    public var ink = Ink()
}

/// A cell's colours and attributes as the program in the pane set them; the theme gives the
/// defaults (``style(_:)``).
public struct Ink: Sendable, Hashable {
    public enum Color: Sendable, Hashable {
        /// The theme's text colour (foreground or background).
        case standard
        /// A palette index: 0–15 the terminal's own colours, 16–255 xterm's cube and greys.
        case indexed(UInt8)
        case rgb(UInt8, UInt8, UInt8)
    }
    public var fg = Color.standard
    public var bg = Color.standard
    public var bold = false, underline = false, reverse = false

    /// The look on the screen: the theme's text colours where the program left the defaults.
    func style(_ theme: Theme) -> Theme.Style {
        let text = theme.style(.text)
        return Theme.Style(fg: Self.color(fg) ?? text.fg, bg: Self.color(bg) ?? text.bg, bold: bold, underline: underline, reverse: reverse)
    }

    /// Indices past 15 as xterm defines them (a 6×6×6 cube, then 24 greys), so the driver maps
    /// them like any RGB colour.
    static func color(_ color: Color) -> Theme.Color? {
        switch color {
        case .standard: return nil
        case .rgb(let r, let g, let b): return .rgb(r, g, b)
        case .indexed(let n) where n < 16: return .basic(Int(n))
        case .indexed(let n) where n < 232:
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let i = Int(n) - 16
            return .rgb(levels[i / 36], levels[(i / 6) % 6], levels[i % 6])
        case .indexed(let n):
            let gray = UInt8(8 + (Int(n) - 232) * 10)
            return .rgb(gray, gray, gray)
        }
    }
}
