/// Draws canvases as the bytes a terminal needs to show them, in a theme's true colours: the
/// first frame whole, each later one as the cells that changed. The recorder's way of saying
/// what the console drew, independent of curses (whose output goes straight to the terminal).
struct AnsiRenderer {
    var theme: Theme {
        didSet { previous = nil }
    }
    private var previous: Canvas?

    init(theme: Theme) { self.theme = theme }

    /// The bytes that turn the last frame (or an empty terminal) into `canvas`.
    mutating func frame(_ canvas: Canvas) -> String {
        let last = previous.flatMap { $0.width == canvas.width && $0.height == canvas.height ? $0 : nil }
        var out = last == nil ? "\u{1B}[0m\u{1B}[?25l\u{1B}[H\u{1B}[2J" : "\u{1B}[?25l"
        var look: Look?
        for y in 0..<canvas.height {
            var at: Int?  // where the terminal's cursor is on this row, when known
            for x in 0..<canvas.width {
                let cell = canvas[x, y]
                if let last, last[x, y] == cell, !Self.startsChangedWide(last, canvas, x, y) { continue }
                if cell.continuation { continue }
                if at != x { out += "\u{1B}[\(y + 1);\(x + 1)H" }
                let wanted = Look(role: cell.role, background: cell.background)
                if look != wanted {
                    out += sgr(theme.style(cell.role, over: cell.background))
                    look = wanted
                }
                out.append(cell.char)
                let width = CharWidth.of(cell.char)
                // Past the last column the terminal waits to wrap: place the cursor again.
                at = x + width < canvas.width ? x + width : nil
            }
        }
        out += "\u{1B}[0m"
        if let cursor = canvas.cursor { out += "\u{1B}[\(cursor.y + 1);\(cursor.x + 1)H\u{1B}[?25h" }
        previous = canvas
        return out
    }

    /// A wide character whose right half changed is written again as a whole.
    private static func startsChangedWide(_ last: Canvas, _ canvas: Canvas, _ x: Int, _ y: Int) -> Bool {
        x + 1 < canvas.width && canvas[x + 1, y].continuation && last[x + 1, y] != canvas[x + 1, y]
    }

    private struct Look: Equatable {
        var role: Role
        var background: Role?
    }

    /// Select Graphic Rendition for a style: attributes, then colours (the terminal's own when none).
    func sgr(_ style: Theme.Style) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.dim { codes.append("2") }
        if style.underline { codes.append("4") }
        if style.reverse { codes.append("7") }
        if let fg = style.fg { codes.append(Self.color(fg, base: 30)) }
        if let bg = style.bg { codes.append(Self.color(bg, base: 40)) }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    private static func color(_ color: Theme.Color, base: Int) -> String {
        switch color {
        case .rgb(let r, let g, let b): "\(base + 8);2;\(r);\(g);\(b)"
        case .basic(let n) where n < 8: "\(base + n)"
        case .basic(let n): "\(base + 60 + n - 8)"
        }
    }
}
