/// What a terminal reports to the console.
public enum TerminalEvent: Sendable, Equatable {
    case key(Key)
    /// The window changed size; ``TerminalDriver/size`` has the new one.
    case resized
    /// SIGTERM, SIGINT or SIGHUP, or the terminal went away: the console ends without asking.
    case ended
}

/// The console's terminal: keys in, rendered ``Canvas``es out. ``CursesDriver`` is the real
/// one; ``HeadlessDriver`` runs the whole console in tests, keys scripted and frames recorded.
/// Everything is called on the main actor; `events` is read there too.
@MainActor public protocol TerminalDriver: AnyObject {
    /// Each event once, in order; finishes when the terminal is restored.
    var events: AsyncStream<TerminalEvent> { get }
    var size: (width: Int, height: Int) { get }
    func draw(_ canvas: Canvas)
    func apply(_ theme: Theme)
    func setMouse(_ on: Bool)
    /// Paints the whole screen at the next frame (Ctrl-L: something else wrote on the terminal).
    func repaint()
    /// Leaves the screen to the shell until the job is resumed (Ctrl-Z).
    func suspend()
    /// Gives the terminal back as it was found.
    func restore()
    /// The command line's editor (libedit on the real terminal).
    func makeLineEditor() -> any LineEditor
}

/// Edits the command line from the bytes a terminal would send for each key.
@MainActor public protocol LineEditor: AnyObject {
    /// Feeds one key's bytes; returns the lines Enter completed.
    func feed(_ bytes: [UInt8]) -> [String]
    var line: String { get }
    /// The cursor as a character offset into ``line``.
    var cursor: Int { get }
    /// What the last Tab offered, when it offered several.
    var candidates: [String] { get }
    func clear()
    /// Adds an entered command line to the history (the REPL's too, where there is one).
    func remember(_ line: String)
}
