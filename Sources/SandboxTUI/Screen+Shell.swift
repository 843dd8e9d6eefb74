/// The shell pane: over the editor and the output while the shell has the keys, the list beside it.
extension Screen {
    static func shellPane(width: Int, height: Int) -> Rect {
        let layout = layout(width: width, height: height)
        return Rect(x: layout.editor.x, y: 0, width: layout.editor.width, height: layout.editor.height + layout.output.height)
    }

    static func drawShell(_ canvas: inout Canvas, _ state: UIState, name: String, _ screen: TerminalScreen, _ g: Glyphs) {
        let rect = shellPane(width: canvas.width, height: canvas.height)
        box(&canvas, rect, title: "shell: \(name) (Ctrl-] leaves)", focused: true, g)
        let inner = rect.inner
        canvas.fill(inner, role: .text)
        for row in 0..<min(inner.height, screen.rows) {
            for column in 0..<min(inner.width, screen.columns) {
                let cell = screen[row, column]
                canvas.set(x: inner.x + column, y: inner.y + row,
                           Cell(char: CharWidth.printable(cell.char), role: .text, continuation: cell.continuation, ink: cell.ink))
            }
        }
        if let cursor = screen.cursor, cursor.row < inner.height, cursor.column < inner.width {
            canvas.cursor = (inner.x + cursor.column, inner.y + cursor.row)
        }
    }
}
