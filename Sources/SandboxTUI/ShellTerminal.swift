import CVTerm

/// A shell pane's terminal emulator (libvterm): the shell's output goes in, keys come out as
/// the bytes a terminal in the program's modes would send (application cursor keys and all),
/// and ``screen`` copies what it shows. Owned by the ``EffectRunner``, on the main actor.
@MainActor final class ShellTerminal {
    private let term: UnsafeMutablePointer<sb_vterm>

    init?(rows: Int, columns: Int) {
        guard let term = sb_vterm_new(Int32(clamping: max(1, rows)), Int32(clamping: max(1, columns))) else { return nil }
        self.term = term
    }

    deinit { MainActor.assumeIsolated { sb_vterm_free(term) } }

    /// Feeds the shell's output; returns what the terminal answers (cursor reports and such).
    func feed(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = vterm_input_write(term.pointee.vt, $0.baseAddress, $0.count) }
        }
        return pending()
    }

    /// The bytes for a key; nil for keys a terminal does not send (mouse, resize).
    func bytes(for key: Key) -> [UInt8]? {
        let vt = term.pointee.vt
        switch key {
        case .char(let char):
            for scalar in char.unicodeScalars { vterm_keyboard_unichar(vt, scalar.value, VTERM_MOD_NONE) }
        case .ctrl(let char):
            guard let ascii = char.asciiValue else { return nil }
            return [ascii & 0x1F]
        case .function(let n): vterm_keyboard_key(vt, VTermKey(rawValue: VTERM_KEY_FUNCTION_0.rawValue + UInt32(clamping: n)), VTERM_MOD_NONE)
        case .up: vterm_keyboard_key(vt, VTERM_KEY_UP, VTERM_MOD_NONE)
        case .down: vterm_keyboard_key(vt, VTERM_KEY_DOWN, VTERM_MOD_NONE)
        case .left: vterm_keyboard_key(vt, VTERM_KEY_LEFT, VTERM_MOD_NONE)
        case .right: vterm_keyboard_key(vt, VTERM_KEY_RIGHT, VTERM_MOD_NONE)
        case .home: vterm_keyboard_key(vt, VTERM_KEY_HOME, VTERM_MOD_NONE)
        case .end: vterm_keyboard_key(vt, VTERM_KEY_END, VTERM_MOD_NONE)
        case .pageUp: vterm_keyboard_key(vt, VTERM_KEY_PAGEUP, VTERM_MOD_NONE)
        case .pageDown: vterm_keyboard_key(vt, VTERM_KEY_PAGEDOWN, VTERM_MOD_NONE)
        case .backspace: return [127]
        case .delete: vterm_keyboard_key(vt, VTERM_KEY_DEL, VTERM_MOD_NONE)
        case .enter: vterm_keyboard_key(vt, VTERM_KEY_ENTER, VTERM_MOD_NONE)
        case .tab: vterm_keyboard_key(vt, VTERM_KEY_TAB, VTERM_MOD_NONE)
        case .backTab: vterm_keyboard_key(vt, VTERM_KEY_TAB, VTERM_MOD_SHIFT)
        case .escape: vterm_keyboard_key(vt, VTERM_KEY_ESCAPE, VTERM_MOD_NONE)
        case .resize, .click, .wheel: return nil
        }
        return pending()
    }

    func resize(rows: Int, columns: Int) {
        vterm_set_size(term.pointee.vt, Int32(clamping: max(1, rows)), Int32(clamping: max(1, columns)))
    }

    var screen: TerminalScreen {
        var rows: Int32 = 0, columns: Int32 = 0
        vterm_get_size(term.pointee.vt, &rows, &columns)
        var screen = TerminalScreen(rows: Int(rows), columns: Int(columns))
        var cell = sb_vcell()
        var skip = 0
        for row in 0..<Int(rows) {
            for column in 0..<Int(columns) {
                sb_vterm_cell(term, Int32(row), Int32(column), &cell)
                let index = row * Int(columns) + column
                screen.cells[index].ink = Ink(fg: Self.color(cell.fg), bg: Self.color(cell.bg), bold: cell.bold != 0,
                                              underline: cell.underline != 0, reverse: cell.reverse != 0)
                if skip > 0 {
                    skip -= 1
                    screen.cells[index].continuation = true
                    continue
                }
                let scalar = cell.ch == 0 ? nil : UnicodeScalar(cell.ch)
                screen.cells[index].char = scalar.map { Character($0) } ?? " "
                skip = max(0, Int(cell.width) - 1)
            }
        }
        var cursorRow: Int32 = 0, cursorColumn: Int32 = 0
        sb_vterm_cursor(term, &cursorRow, &cursorColumn)
        if term.pointee.cursor_visible != 0 { screen.cursor = (Int(cursorRow), Int(cursorColumn)) }
        return screen
    }

    private func pending() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let count = vterm_output_read(term.pointee.vt, &buffer, buffer.count)
            if count == 0 { return out }
            out += buffer.prefix(count).map { UInt8(bitPattern: $0) }
        }
    }

    private static func color(_ color: sb_vcolor) -> Ink.Color {
        switch color.kind {
        case 1: .indexed(UInt8(truncatingIfNeeded: color.value))
        case 2: .rgb(UInt8(truncatingIfNeeded: color.value >> 16), UInt8(truncatingIfNeeded: color.value >> 8), UInt8(truncatingIfNeeded: color.value))
        default: .standard
        }
    }
}
