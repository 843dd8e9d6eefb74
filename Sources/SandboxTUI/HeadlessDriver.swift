/// A terminal with no terminal: keys go in from a script, each frame comes out as a ``Canvas``.
/// It runs the whole console in tests (keys in, frames out), with no tmux and no timing.
@MainActor public final class HeadlessDriver: TerminalDriver {
    public let events: AsyncStream<TerminalEvent>
    private let input: AsyncStream<TerminalEvent>.Continuation
    public private(set) var size: (width: Int, height: Int)
    /// Every frame drawn, oldest first.
    public private(set) var frames: [Canvas] = []
    public private(set) var mouse = false
    public private(set) var theme: Theme?
    public private(set) var suspensions = 0
    public private(set) var repaints = 0
    public private(set) var restored = false

    public init(width: Int = 120, height: Int = 40) {
        size = (width, height)
        (events, input) = AsyncStream.makeStream(of: TerminalEvent.self)
    }

    /// Presses keys, in order.
    public func press(_ keys: Key...) { for key in keys { input.yield(.key(key)) } }

    /// Types text as single keys (the command line gets it through the key table like any key).
    public func type(_ text: String) { for char in text { input.yield(.key(.char(char))) } }

    public func resize(width: Int, height: Int) {
        size = (width, height)
        input.yield(.resized)
    }

    /// As SIGTERM does.
    public func signal() { input.yield(.ended) }

    public var screen: String { frames.last?.text ?? "" }

    public func draw(_ canvas: Canvas) { frames.append(canvas) }
    public func apply(_ theme: Theme) { self.theme = theme }
    public func setMouse(_ on: Bool) { mouse = on }
    public func suspend() { suspensions += 1 }
    public func repaint() { repaints += 1 }
    public func restore() {
        restored = true
        input.finish()
    }
    public func makeLineEditor() -> any LineEditor { PlainLineEditor() }
}

/// A line editor for the bytes ``KeyBytes`` makes: typing, Backspace, Delete, ← →, Home
/// (Ctrl-A), End (Ctrl-E), Ctrl-K, Enter. The headless driver's, and the fallback where no
/// private pty for libedit can be had; no history, no completion.
@MainActor final class PlainLineEditor: LineEditor {
    private var text: [Character] = []
    private(set) var cursor = 0
    var line: String { String(text) }
    var candidates: [String] { [] }

    func feed(_ bytes: [UInt8]) -> [String] {
        switch bytes {
        case [13]:
            defer { clear() }
            return [line]
        case [1]: cursor = 0
        case [5]: cursor = text.count
        case [11]: text.removeSubrange(cursor...)
        case [127]:
            guard cursor > 0 else { break }
            cursor -= 1
            text.remove(at: cursor)
        case Array("\u{1B}[3~".utf8): if cursor < text.count { text.remove(at: cursor) }
        case Array("\u{1B}[D".utf8): cursor = max(0, cursor - 1)
        case Array("\u{1B}[C".utf8): cursor = min(text.count, cursor + 1)
        default:
            let typed = String(decoding: bytes, as: UTF8.self)
            guard bytes.first.map({ $0 >= 0x20 && $0 != 0x7F }) == true else { break }
            text.insert(contentsOf: typed, at: cursor)
            cursor += typed.count
        }
        return []
    }

    func clear() {
        text = []
        cursor = 0
    }

    func remember(_ line: String) {}
}
