import Foundation
import SandboxCommands
import SandboxKit

/// Draws a ``UIState`` on a ``Canvas``: the sandbox list, the editor, the output pane, the
/// command line and the status line (or the help screen over them).
public enum Screen {
    public static let minWidth = 60
    public static let minHeight = 15

    public struct Layout: Equatable {
        public var list, editor, output: Rect
        public var commandRow, statusRow: Int
    }

    public static func layout(width: Int, height: Int) -> Layout {
        let listWidth = min(40, max(24, width * 28 / 100))
        let main = height - 2
        let editorHeight = max(5, main * 55 / 100)
        return Layout(list: Rect(x: 0, y: 0, width: listWidth, height: main),
                      editor: Rect(x: listWidth, y: 0, width: width - listWidth, height: editorHeight),
                      output: Rect(x: listWidth, y: editorHeight, width: width - listWidth, height: main - editorHeight),
                      commandRow: height - 2, statusRow: height - 1)
    }

    /// Draws the state, reading it only (the store has scrolled the editor and coloured its
    /// lines first: ``Reducer/settleEditor(_:)``).
    public static func render(_ state: UIState, width: Int, height: Int) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        guard width >= minWidth, height >= minHeight else {
            let message = "Terminal too small: need \(minWidth)x\(minHeight), have \(width)x\(height)"
            canvas.put(message, x: max(0, (width - message.count) / 2), y: height / 2, role: .error)
            return canvas
        }
        let layout = layout(width: width, height: height)
        let glyphs = Glyphs(ascii: state.ascii)
        drawList(&canvas, state, layout.list, glyphs)
        if state.focus == .shell, let name = state.shellShown, let shell = state.shells[name] {
            drawShell(&canvas, state, name: name, shell, glyphs)
        } else {
            drawEditor(&canvas, state, layout.editor, glyphs)
            drawOutput(&canvas, state, layout.output, glyphs)
        }
        drawCommandLine(&canvas, state, row: layout.commandRow, width: width)
        drawStatus(&canvas, state, row: layout.statusRow, width: width, glyphs: glyphs)
        if state.showHelp { drawHelp(&canvas, width: width, height: height, glyphs: glyphs) }
        return canvas
    }

    // MARK: Panes

    static func box(_ canvas: inout Canvas, _ rect: Rect, title: String, focused: Bool, _ g: Glyphs) {
        let role: Role = focused ? .borderFocus : .border
        let right = rect.x + rect.width - 1, bottom = rect.y + rect.height - 1
        for x in rect.x...right {
            canvas.put(String(g.horizontal), x: x, y: rect.y, role: role)
            canvas.put(String(g.horizontal), x: x, y: bottom, role: role)
        }
        for y in rect.y...bottom {
            canvas.put(String(g.vertical), x: rect.x, y: y, role: role)
            canvas.put(String(g.vertical), x: right, y: y, role: role)
        }
        canvas.put(String(g.topLeft), x: rect.x, y: rect.y, role: role)
        canvas.put(String(g.topRight), x: right, y: rect.y, role: role)
        canvas.put(String(g.bottomLeft), x: rect.x, y: bottom, role: role)
        canvas.put(String(g.bottomRight), x: right, y: bottom, role: role)
        canvas.put(" \(title) ", x: rect.x + 2, y: rect.y, role: focused ? .borderFocus : .title, limit: rect.width - 4)
    }

    static func drawList(_ canvas: inout Canvas, _ state: UIState, _ rect: Rect, _ g: Glyphs) {
        let title = state.showAll ? "All containers" : "Sandboxes"
        box(&canvas, rect, title: "\(title) (\(state.rows.count))", focused: state.focus == .list, g)
        let inner = rect.inner
        let rows = state.rows
        if rows.isEmpty, !state.showsEngines {
            canvas.put("No sandboxes yet.", x: inner.x + 1, y: inner.y, role: .dim, limit: inner.width - 1)
            canvas.put(":new to create one", x: inner.x + 1, y: inner.y + 1, role: .dim, limit: inner.width - 1)
            return
        }
        let perRow = ListLayout.rowHeight
        for (line, offset) in ListLayout(state, height: inner.height).lines {
            guard case .row(let index) = line else {
                drawEngineLine(&canvas, state, line, x: inner.x, y: inner.y + offset, width: inner.width, g)
                continue
            }
            let info = rows[index]
            let y = inner.y + offset
            let selected = index == state.selected
            if selected { canvas.fill(Rect(x: inner.x, y: y, width: inner.width, height: perRow), role: .selected) }
            let (glyph, role) = g.status(info.state)
            canvas.put(String(glyph), x: inner.x, y: y, role: selected ? .selected : role)
            let marker = info.name == state.current ? "*" : ""
            let age = info.isRunning ? Format.age(since: info.created, now: state.now) : info.state.rawValue
            let ageWidth = age.count
            canvas.put(info.name + marker, x: inner.x + 2, y: y, role: selected ? .selected : .text, limit: inner.width - 3 - ageWidth)
            canvas.put(age, x: inner.x + inner.width - ageWidth, y: y, role: selected ? .selected : (info.isRunning ? .running : .dim))
            var by = info.createdBy?.rawValue ?? (info.managed ? "" : "not ours")
            if let client = info.client { by += ":\(client)" }
            let detail = (state.shells[info.name] != nil ? "shell \(g.dot) " : "") + forwardMarker(state, info.name, g) + (by.isEmpty ? "" : "\(by) \(g.dot) ") + info.kind
            let figures = info.isRunning ? statsColumns(state.stats[info.containerID], room: inner.width - 2) : ""
            let room = inner.width - 2 - (figures.isEmpty ? 0 : figures.count + 1)
            let net = networkMarker(info, g).map { canvas.put($0.text, x: inner.x + 2, y: y + 1, role: selected ? .selected : $0.role, limit: room) } ?? 0
            canvas.put(detail, x: inner.x + 2 + net, y: y + 1, role: selected ? .selected : (info.createdBy == .agent ? .agent : .dim),
                       limit: room - net)
            canvas.put(figures, x: inner.x + inner.width - figures.count, y: y + 1, role: selected ? .selected : .text)
        }
        drawSparklines(&canvas, state, rect)
    }

    /// The line numbers' width.
    static func gutter(_ buffer: EditorBuffer) -> Int { String(buffer.lines.count).count + 1 }

    static func drawEditor(_ canvas: inout Canvas, _ state: UIState, _ rect: Rect, _ g: Glyphs) {
        let inner = rect.inner
        guard let buffer = state.editor, let path = state.editorPath else {
            box(&canvas, rect, title: "Editor", focused: state.focus == .editor, g)
            let hints = ["No file open.", ":open PATH opens a file of the current sandbox (a new path makes a new file);",
                         "F5 saves and runs it; Ctrl-S saves."]
            for (i, hint) in hints.enumerated() { canvas.put(hint, x: inner.x + 1, y: inner.y + i, role: .dim, limit: inner.width - 1) }
            return
        }
        // The owner is named when it is not the current sandbox: that is where a save goes.
        let owner = state.editorSandbox.flatMap { $0 == state.current ? nil : $0 + ":" } ?? ""
        let title = owner + path + (buffer.modified ? " [+]" : "") + "  \(buffer.line + 1):\(buffer.column + 1)"
        box(&canvas, rect, title: title, focused: state.focus == .editor, g)
        let gutter = gutter(buffer)
        let textWidth = max(1, inner.width - gutter - 1)
        let cursorCell = Self.cells(buffer.currentLine.prefix(buffer.column))
        for row in 0..<inner.height {
            let index = state.editorTop + row
            guard index < buffer.lines.count else { break }
            let y = inner.y + row
            let isCursorLine = index == buffer.line
            if isCursorLine { canvas.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: .cursorLine) }
            let number = String(index + 1)
            canvas.put(String(repeating: " ", count: gutter - number.count) + number, x: inner.x, y: y, role: .lineNumber)
            let line = buffer.lines[index]
            let visible = Self.slice(line, fromCell: state.editorLeft, width: textWidth)
            let x = inner.x + gutter + 1
            let tokens = state.highlight.tokens(index)
            if tokens.isEmpty {
                canvas.put(visible, x: x, y: y, role: isCursorLine ? .cursorLine : .text)
            } else {
                drawCode(&canvas, line, tokens, fromCell: state.editorLeft, width: textWidth, x: x, y: y)
                if isCursorLine { canvas.shade(x: inner.x, y: y, count: inner.width, role: .cursorLine) }
            }
            if let query = state.output.search, !query.isEmpty { highlight(&canvas, visible, query, x: x, y: y) }
        }
        if state.focus == .editor {
            canvas.cursor = (inner.x + gutter + 1 + cursorCell - state.editorLeft, inner.y + buffer.line - state.editorTop)
        }
    }

    static func drawOutput(_ canvas: inout Canvas, _ state: UIState, _ rect: Rect, _ g: Glyphs) {
        let log = state.shownLog
        box(&canvas, rect, title: outputTitle(state), focused: state.focus == .output, g)
        let inner = rect.inner
        let located = log.locationRow(height: inner.height)
        for (row, line) in log.visible(height: inner.height).enumerated() {
            var x = inner.x
            for segment in line {
                // The line F4 went to stands out, as the list's selected row does.
                let role = row == located ? Role.selected : segment.role
                x += canvas.put(segment.text, x: x, y: inner.y + row, role: role, limit: inner.x + inner.width - x)
            }
            if let query = log.search, !query.isEmpty {
                highlight(&canvas, line.map(\.text).joined(), query, x: inner.x, y: inner.y + row)
            }
        }
    }

    static func drawCommandLine(_ canvas: inout Canvas, _ state: UIState, row: Int, width: Int) {
        if state.focus == .command {
            let used = canvas.put(state.prompt, x: 0, y: row, role: .command)
            let text = state.commandText
            let cursorCells = Self.cells(Array(text.prefix(state.commandCursor)))
            let room = width - used - 1
            let skip = max(0, cursorCells - room)
            canvas.put(Self.slice(Array(text), fromCell: skip, width: room), x: used, y: row, role: .command)
            canvas.cursor = (used + cursorCells - skip, row)
        } else if let message = state.message {
            canvas.put(message.text, x: 0, y: row, role: message.isError ? .error : .info)
        } else {
            canvas.put(": command   ? keys   q quit", x: 0, y: row, role: .dim)
        }
    }

    static func drawStatus(_ canvas: inout Canvas, _ state: UIState, row: Int, width: Int, glyphs: Glyphs) {
        canvas.fill(Rect(x: 0, y: row, width: width, height: 1), role: .status)
        let connection = switch state.connection {
        case .connecting: "connecting..."
        case .connected(let api): "API \(api) \(glyphs.dot) connected"
        case .down(let why): "DISCONNECTED (\(why)) - retrying"
        }
        let forwards = forwardsStatus(state)
        let left = " \(state.address) \(glyphs.dot) \(connection)" + (forwards.isEmpty ? "" : " \(glyphs.dot) \(forwards)")
        canvas.put(left, x: 0, y: row, role: .status, limit: width)
        // Key hints, as many as fit after the connection.
        var hints = (state.recording != nil ? ["[REC]"] : []) + ["F5 run", "^S save", "Tab pane", ": cmd", "? keys", "q quit"]
            + (state.mouse ? ["[mouse]"] : [])
        while !hints.isEmpty, CharWidth.of(left) + 2 + hints.joined(separator: "  ").count + 1 > width { hints.removeLast() }
        let keys = hints.joined(separator: "  ")
        canvas.put(keys, x: width - keys.count - 1, y: row, role: .status)
    }

    static func drawHelp(_ canvas: inout Canvas, width: Int, height: Int, glyphs: Glyphs) {
        // The blank lines between scopes go first when the screen is short.
        let lines = KeyTable.helpText.count + 3 > height - 2 ? KeyTable.helpText.filter { !$0.isEmpty } : KeyTable.helpText
        let boxWidth = min(width - 4, 78), boxHeight = min(height - 2, lines.count + 3)
        let rect = Rect(x: (width - boxWidth) / 2, y: (height - boxHeight) / 2, width: boxWidth, height: boxHeight)
        canvas.fill(rect, role: .text)
        box(&canvas, rect, title: "Keys - any key closes", focused: true, glyphs)
        let inner = rect.inner
        for (row, line) in lines.prefix(inner.height).enumerated() {
            let role: Role = line.hasPrefix(" ") ? .text : .title
            canvas.put(line, x: inner.x + 1, y: inner.y + row, role: role, limit: inner.width - 1)
        }
    }

    // MARK: Helpers

    /// Display cells of characters (tabs count as 4).
    static func cells(_ chars: some Sequence<Character>) -> Int {
        chars.reduce(0) { $0 + ($1 == "\t" ? 4 : CharWidth.of($1)) }
    }

    /// The part of a line from display cell `fromCell`, `width` cells wide, tabs expanded.
    static func slice(_ chars: [Character], fromCell start: Int, width: Int) -> String {
        String(visibleCharacters(chars, fromCell: start, width: width).map(\.char))
    }

    /// The characters shown from display cell `fromCell`, `width` cells wide, each with the index
    /// of the character it comes from (a tab is four spaces, half a wide character a space).
    static func visibleCharacters(_ chars: [Character], fromCell start: Int, width: Int) -> [(char: Character, index: Int)] {
        var out: [(char: Character, index: Int)] = []
        var cell = 0
        for (index, char) in chars.enumerated() {
            let expanded: [Character] = char == "\t" ? Array("    ") : [char]
            for c in expanded {
                let w = CharWidth.of(c)
                if cell >= start {
                    if cell + w - start > width { return out }
                    out.append((c, index))
                } else if cell + w > start {
                    out.append((" ", index))  // half of a wide character scrolled off
                }
                cell += w
            }
        }
        return out
    }

    /// A line of code in its tokens' colours.
    static func drawCode(_ canvas: inout Canvas, _ line: [Character], _ tokens: [Token], fromCell start: Int, width: Int, x: Int, y: Int) {
        var roles = [Role](repeating: .text, count: line.count)
        for token in tokens { for index in token.start..<min(token.end, line.count) { roles[index] = token.kind.role } }
        var column = x
        for (char, index) in visibleCharacters(line, fromCell: start, width: width) {
            column += canvas.put(String(char), x: column, y: y, role: roles[index])
        }
    }

    static func highlight(_ canvas: inout Canvas, _ text: String, _ query: String, x: Int, y: Int) {
        var searchStart = text.startIndex
        while let range = text.range(of: query, options: .caseInsensitive, range: searchStart..<text.endIndex) {
            canvas.paint(x: x + CharWidth.of(text[..<range.lowerBound]), y: y, count: CharWidth.of(text[range]), role: .match)
            searchStart = range.upperBound
        }
    }
}

/// Border and status glyphs, in Unicode or (`--ascii`) plain ASCII.
struct Glyphs {
    let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight, dot: Character
    let running, stopped, busy: Character

    init(ascii: Bool) {
        if ascii {
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight, dot) = ("-", "|", "+", "+", "+", "+", "-")
            (running, stopped, busy) = ("*", "o", "~")
        } else {
            (horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight, dot) = ("─", "│", "┌", "┐", "└", "┘", "·")
            (running, stopped, busy) = ("●", "○", "◐")
        }
    }

    func status(_ state: SandboxState) -> (Character, Role) {
        if state == .running { return (running, .running) }
        return state.isBusy ? (busy, .building) : (stopped, .exited)
    }
}
