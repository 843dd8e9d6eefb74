import CNcurses
import Foundation
import LineEditing
import SandboxKit

/// The real terminal through ncurses: copies a ``Canvas`` to the screen with a theme's colours,
/// and reads keys. Curses is only ever called on the main actor; a ``TerminalWatch`` thread
/// sleeps in poll() and hands over when there is something to read (see ``wake(_:)``).
public final class CursesDriver: TerminalDriver {
    public let events: AsyncStream<TerminalEvent>
    private let yield: AsyncStream<TerminalEvent>.Continuation
    private let watch: TerminalWatch
    private(set) var colorMode: ColorMode = .none
    private var theme = Theme.builtInDark
    /// A colour pair and attributes per role and background, made the first time a cell needs them.
    private var looks: [Look: (pair: Int16, attrs: attr_t)] = [:]
    /// The frame drawn last: the next one hands curses only the cells that changed. Curses
    /// compares the whole screen again at refresh anyway; a cell per call, each with its look,
    /// was most of an idle console's CPU (a frame every second or two, for its live figures).
    private var drawn: Canvas?
    private var saved = termios()

    enum ColorMode: Equatable { case none, basic8, basic16, xterm256 }

    public init() {
        (events, yield) = AsyncStream.makeStream(of: TerminalEvent.self)
        watch = TerminalWatch()
        tcgetattr(STDIN_FILENO, &saved)
        TerminalGuard.install([SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE], reset: Self.resetSequence)
        _ = initscr()
        raw()  // Ctrl-C, Ctrl-Z and Ctrl-S arrive as keys
        noecho()
        nonl()
        keypad(sb_stdscr(), true)
        nodelay(sb_stdscr(), true)
        set_escdelay(25)
        for (sequence, code) in Self.alternateKeys { define_key(sequence, code) }
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        if has_colors() && !noColor {
            start_color()
            use_default_colors()
            colorMode = sb_colors() >= 256 ? .xterm256 : sb_colors() >= 16 ? .basic16 : .basic8
        }
        // After initscr, so ours replaces curses' SIGWINCH handler: the watch thread sees it.
        watch.start { [weak self] wake in
            DispatchQueue.main.async { MainActor.assumeIsolated { self?.wake(wake) } }
        }
    }

    /// On the main actor, for what the watch thread saw: every waiting key is read (only then
    /// does it watch the terminal again), a new size is taken, a signal ends the console.
    private func wake(_ wake: TerminalWatch.Wake) {
        switch wake {
        case .input:
            while let key = readKey() { yield.yield(.key(key)) }
            watch.rearm()
        case .resized:
            var size = winsize()
            if ioctl(STDIN_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 {
                resizeterm(Int32(size.ws_row), Int32(size.ws_col))
            }
            drawn = nil
            yield.yield(.resized)
        case .signalled, .hungUp:
            yield.yield(.ended)
        }
    }

    /// libedit on a private pty, with the REPL's history; without a pty (EMFILE) a plain editor.
    public func makeLineEditor() -> any LineEditor {
        guard let editor = PtyLineEditor(prompt: "", width: 200) else { return PlainLineEditor() }
        Readline.setUp(history: UserDirectories.history)
        return editor
    }

    /// What a crash writes before restoring the modes: mouse reporting off, attributes reset,
    /// the cursor shown, the normal screen back.
    private static let resetSequence = Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1006l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n".utf8)

    public func restore() {
        watch.stop()
        yield.finish()
        sb_mouse(0)
        endwin()
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }

    public var size: (width: Int, height: Int) { (Int(sb_cols()), Int(sb_lines())) }

    public func setMouse(_ on: Bool) {
        sb_mouse(on ? 1 : 0)
    }

    private struct Look: Hashable {
        var role: Role
        var background: Role?
        var ink: Ink?
    }

    public func repaint() {
        drawn = nil
        sb_repaint()
    }

    /// Takes a theme's colours from the next frame on.
    public func apply(_ theme: Theme) {
        self.theme = theme
        looks.removeAll()
        drawn = nil
    }

    /// The colour pair and attributes of a role (over a background) on this terminal.
    private func look(_ key: Look) -> (pair: Int16, attrs: attr_t) {
        if let known = looks[key] { return known }
        let style = key.ink?.style(theme) ?? theme.style(key.role, over: key.background)
        var attrs: attr_t = 0
        if style.bold { attrs |= sb_a_bold() }
        if style.underline { attrs |= sb_a_underline() }
        if style.reverse { attrs |= sb_a_reverse() }
        if style.dim { attrs |= sb_a_dim() }
        var pair: Int16 = 0
        if colorMode == .none {
            if key.ink == nil { attrs |= Self.monochrome(key.role) }
        } else if looks.count + 1 < min(Int(sb_color_pairs()), Int(Int16.max)) {
            pair = Int16(looks.count + 1)
            init_pair(pair, color(style.fg), color(style.bg))
        }
        looks[key] = (pair, attrs)
        return (pair, attrs)
    }

    /// Without colours, meaning comes from attributes.
    private static func monochrome(_ role: Role) -> attr_t {
        switch role {
        case .selected, .status, .match: sb_a_reverse()
        case .borderFocus, .title, .header, .error, .running, .command, .keyword, .constant: sb_a_bold()
        case .stderr, .agent, .key: sb_a_underline()
        case .dim, .lineNumber, .exited, .info, .comment: sb_a_dim()
        default: 0
        }
    }

    private func color(_ color: Theme.Color?) -> Int16 {
        guard let color else { return -1 }
        switch (color, colorMode) {
        case (.basic(let n), .xterm256), (.basic(let n), .basic16): return Int16(n)
        case (.basic(let n), _): return Int16(n % 8)
        case (.rgb(let r, let g, let b), .xterm256): return Int16(Palette.xterm256(r, g, b))
        case (.rgb(let r, let g, let b), .basic16): return Int16(Palette.basic(r, g, b, bright: true))
        case (.rgb(let r, let g, let b), _): return Int16(Palette.basic(r, g, b, bright: false))
        }
    }

    public func draw(_ canvas: Canvas) {
        let earlier = drawn.flatMap { $0.width == canvas.width && $0.height == canvas.height ? $0 : nil }
        for y in 0..<canvas.height {
            for x in 0..<canvas.width {
                let cell = canvas[x, y]
                if cell.continuation || earlier?[x, y] == cell { continue }
                let scalar = cell.char.unicodeScalars.first?.value ?? 32
                let look = look(Look(role: cell.role, background: cell.background, ink: cell.ink))
                sb_put(Int32(y), Int32(x), wchar_t(bitPattern: scalar), look.attrs, look.pair)
            }
        }
        if let cursor = canvas.cursor {
            curs_set(1)
            move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        refresh()
        drawn = canvas
    }

    /// The next key, or nil when none is waiting.
    private func readKey() -> Key? {
        var ch: wint_t = 0
        let result = sb_get_wch(&ch)
        if result == ERR { return nil }
        if result == KEY_CODE_YES { return Self.functionKey(Int32(ch)) ?? readKey() }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return Self.skipUnknownSequence() ? readKey() : .escape
        case 8, 127: return .backspace
        case 0: return .ctrl(" ")
        case 1...26: return .ctrl(Character(UnicodeScalar(UInt8(ch) + 96)))
        case 28...31: return .ctrl(Character(UnicodeScalar(UInt8(ch) + 64)))  // Ctrl-\ ] ^ _
        default:
            guard let scalar = UnicodeScalar(UInt32(ch)) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// Sequences terminals send for keys their terminfo entry names differently (tmux sends
    /// Home as `\e[1~` whatever TERM says): without these curses hands back ESC and letters.
    /// Modified arrows, Home and End count as plain ones.
    static let alternateKeys: [(String, Int32)] = {
        var keys: [(String, Int32)] = []
        func add(_ code: Int32, _ sequences: String...) { keys += sequences.map { ("\u{1B}" + $0, code) } }
        add(KEY_HOME, "[1~", "[7~", "[H", "OH")
        add(KEY_END, "[4~", "[8~", "[F", "OF")
        add(KEY_DC, "[3~")
        add(KEY_IC, "[2~")
        add(KEY_PPAGE, "[5~")
        add(KEY_NPAGE, "[6~")
        add(KEY_BTAB, "[Z")
        for (code, letter) in [(KEY_UP, "A"), (KEY_DOWN, "B"), (KEY_RIGHT, "C"), (KEY_LEFT, "D"), (KEY_HOME, "H"), (KEY_END, "F")] {
            add(code, "[" + letter, "O" + letter)
            for modifier in 2...8 { add(code, "[1;\(modifier)" + letter) }
        }
        // F1-F4: vt100/xterm (SS3), rxvt/vt220 (CSI n ~), the Linux console (CSI [ letter).
        for (index, letter) in ["P", "Q", "R", "S"].enumerated() { add(KEY_F0 + Int32(index) + 1, "O" + letter) }
        for (number, code) in [11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24].enumerated() { add(KEY_F0 + Int32(number) + 1, "[\(code)~") }
        for (index, letter) in ["A", "B", "C", "D", "E"].enumerated() { add(KEY_F0 + Int32(index) + 1, "[[" + letter) }
        // Shift-F1-F4 as xterm sends them (F13-F16), whatever the terminfo entry says.
        for (index, letter) in ["P", "Q", "R", "S"].enumerated() { add(KEY_F0 + Int32(index) + 13, "[1;2" + letter) }
        return keys
    }()

    /// After an ESC: swallows the rest of a CSI (`ESC [` ... final byte) or SS3 (`ESC O` x)
    /// sequence that curses did not recognise, reading only what has already arrived, so an
    /// unknown key is never taken as Esc followed by letters. False for a lone Esc (the next
    /// byte, if any, is put back).
    private static func skipUnknownSequence() -> Bool {
        var ch: wint_t = 0
        guard sb_get_wch(&ch) == OK else { return false }
        switch ch {
        case 0x5B:  // [: parameters and intermediates (0x20-0x3F) up to a final byte (0x40-0x7E)
            for _ in 0..<32 {
                guard sb_get_wch(&ch) == OK else { return true }
                if (0x40...0x7E).contains(ch) { return true }
                if !(0x20...0x3F).contains(ch) { _ = unget_wch(wchar_t(bitPattern: ch)); return true }
            }
            return true
        case 0x4F:  // O: one final byte
            if sb_get_wch(&ch) == OK, !(0x40...0x7E).contains(ch) { _ = unget_wch(wchar_t(bitPattern: ch)) }
            return true
        default:
            _ = unget_wch(wchar_t(bitPattern: ch))
            return false
        }
    }

    private static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_ENTER: .enter
        case KEY_BTAB: .backTab
        case KEY_RESIZE: .resize
        case KEY_MOUSE: mouseKey()
        case KEY_F0 + 1...KEY_F0 + 24: .function(Int(code - KEY_F0))
        default: nil
        }
    }

    private static func mouseKey() -> Key? {
        var x: Int32 = 0, y: Int32 = 0
        switch sb_read_mouse(&x, &y) {
        case 1: return .click(x: Int(x), y: Int(y))
        case 4: return .wheel(up: true, x: Int(x), y: Int(y))
        case 5: return .wheel(up: false, x: Int(x), y: Int(y))
        default: return nil
        }
    }

    /// Leaves curses for the shell until the user resumes the job.
    public func suspend() {
        endwin()
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        // raise, not kill(getpid()): a process-directed stop may be taken by another thread,
        // letting this one run on into refresh() and redraw the console before it stops.
        raise(SIGSTOP)
        refresh()
    }
}


extension PtyLineEditor: LineEditor {
    public var candidates: [String] { Readline.lastCandidates }
    public func remember(_ line: String) { Readline.remember(line) }
}
