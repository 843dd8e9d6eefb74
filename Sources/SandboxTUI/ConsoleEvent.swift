import Foundation
import SandboxCommands
import SandboxKit

/// Everything that changes the console, in the order it happened: the terminal's keys, the
/// session's typed events, the watcher's updates, the clock, and what effects came back with.
/// ``Reducer/reduce(_:_:)`` is the only place state changes.
public enum ConsoleEvent: Sendable {
    case key(Key)
    case resized(width: Int, height: Int)
    /// A signal or a lost terminal: end at once, keeping a modified buffer for recovery.
    case ended
    /// Running sandboxes show their age; the clock ticks once a second while any runs.
    case tick(Date)
    /// An engine's watcher (by its name in ``UIState/engines``): a list or a change of connection.
    case watcher(engine: String, SandboxWatcher.Update)
    /// An engine's round of CPU and memory samples, by container id (its running sandboxes only).
    case stats(engine: String, [String: SandboxStats])
    case session(SessionEvent)
    /// The command line after a key: its text, cursor, and the candidates Tab offered.
    case lineEdited(text: String, cursor: Int, candidates: [String])
    /// Enter on the command line.
    case lineEntered(String)
    /// The primary engine's snapshot labels by sandbox, newest first.
    case snapshotsFound([String: [String]])
    /// What could complete `line` (the command line up to its cursor when Tab was pressed).
    case completionsFound(line: String, [String])
    /// A session command ended; `current` is the session's current sandbox now.
    case performed(current: String?)
    case created(status: Int32, current: String?)
    /// The running command ended.
    case commandEnded
    case fileOpened(OpenedFile)
    case saved(Save)
    case saveFailed(Save, any Error)
    /// The sandbox of a file about to run was made current.
    case selected(String, then: Command)
    case journal([JournalEntry])
    case themeLoaded(name: String, announce: Bool)
    case themeFailed(any Error, kept: String)
    /// Copies of buffers earlier consoles could not save, read at start.
    case kept([RecoveryCopy])
    /// A shell opened in this sandbox (or was open already); the pane shows it.
    case shellOpened(sandbox: String, screen: TerminalScreen)
    /// A shell's screen after its output.
    case shellScreen(sandbox: String, screen: TerminalScreen)
    /// A shell ended; its exit code, when the daemon told it.
    case shellEnded(sandbox: String, exitCode: Int32?)
    /// Recording the screen started (to this file) or stopped (nil, with the file it wrote).
    case recording(String?, stopped: String?)
    /// A demo's sandbox holds its sample: open it and run it.
    case demoReady(Demo)
    /// A sandbox's background jobs, looked for when it first became current: each gets a tab.
    case jobsFound(sandbox: String, [SandboxJob])
    /// A followed job printed this.
    case jobOutput(sandbox: String, id: Int, text: String)
    /// Following a job stopped: how it ended, or why it could not be followed.
    case jobEnded(sandbox: String, id: Int, outcome: TabEnd)
    /// A followed sandbox's new egress records, a line each, made printable off the main actor;
    /// the first read's even when it found none.
    case egressRecorded(sandbox: String, lines: [String])
    /// A sandbox's egress record could not be followed, and why.
    case egressEnded(sandbox: String, outcome: TabEnd)
    /// An effect failed; the status line says why.
    case failed(String)
}

/// A file read for the editor.
public struct OpenedFile: Sendable {
    public var buffer: EditorBuffer
    public var path: String
    public var sandbox: String
    /// What the status line says ("opened …" or "… is a new file").
    public var note: String
    /// The revision of the buffer this load may replace: if it changed meanwhile, it stays.
    public var replacing: Int?
}

/// A buffer on its way back into its sandbox, and what follows once it is there.
public struct Save: Sendable, Equatable {
    public var sandbox: String
    public var path: String
    public var text: String
    public var thenRun: Bool
}
