import SandboxCommands
import SandboxKit

/// What the reducer asks for: every piece of work outside the state. ``EffectRunner`` does it
/// and sends what came of it back as a ``ConsoleEvent``.
public enum Effect: Sendable, Equatable {
    /// A session command (ps, use, ls, cat, stop, rm, runtimes, help).
    case perform(Command)
    /// `new`: a runtime or image, on a context's engine (nil: the primary), under an OCI runtime,
    /// with a network policy.
    case create(String?, on: String? = nil, ociRuntime: String? = nil, policy: NetworkPolicy = .isolated, user: SandboxUser? = nil)
    /// `run` or `exec`: the one running command, which Ctrl-C cancels.
    case run(Command)
    case cancelRunning
    case open(path: String, replacing: Int?)
    case save(Save)
    /// Makes a sandbox the session's current one; with `then`, runs it there.
    case select(String, then: Command?)
    case followJournal(String)
    case stopJournal
    case watchSandboxes
    case refreshList
    /// Lists the primary engine's snapshots (``ConsoleEvent/snapshotsFound(_:)``).
    case findSnapshots
    /// Samples CPU and memory of these containers of an engine (slot `.stats(engine)`), no others.
    case trackStats(engine: String, Set<String>)
    case setShowAll(Bool)
    case warmUp
    case loadTheme(String, announce: Bool)
    case setMouse(Bool)
    case repaint
    case suspend
    /// Feeds the command line's editor a key's bytes; with `completions`, a Tab that completes
    /// from them (found beforehand by ``complete(_:)``, so libedit's callback never waits).
    case editLine([UInt8], completions: [String]? = nil)
    /// Finds what could complete the line up to the cursor (``ConsoleEvent/completionsFound(line:_:)``).
    case complete(String)
    case submitLine
    case clearLine
    /// An entered command line goes into the history shared with the REPL (a search does not).
    case remember(String)
    case readKept
    case discardKept(RecoveryCopy)
    /// The reopened copy is the buffer's recovery copy from now on.
    case adoptKept(RecoveryCopy)
    /// Ticks once a second (`true`) or not at all.
    case clock(Bool)
    /// Starts recording the screen to a file; nil stops.
    case record(String?)
    /// Creates a sandbox of a runtime and puts its sample in it (``ConsoleEvent/demoReady(_:)``).
    case demo(String?)
    /// A demo whose sample is a server: started as a job, its port forwarded, its URL reported.
    case serve(Demo)
    /// Looks for a sandbox's background jobs (``ConsoleEvent/jobsFound(sandbox:_:)``).
    case findJobs(String)
    /// Follows a job into its tab (slot `.job`): the output its sandbox kept, then as it prints.
    case followJob(sandbox: String, id: Int)
    /// Stops following a job whose tab went (the job runs on).
    case unfollowJob(sandbox: String, id: Int)
    /// Follows a sandbox's egress record into its tab (slot `.egress`): what is recorded, then as it grows.
    case followEgress(String)
    /// Stops following a sandbox's egress record (its tab went).
    case unfollowEgress(String)
    /// A shell in the current sandbox, in a pane of `rows` × `columns`.
    case openShell(String?, rows: Int, columns: Int)
    /// A key for the shell of this sandbox.
    case shellKey(String, Key)
    /// Every open shell's pane has a new size.
    case resizeShells(rows: Int, columns: Int)
    case quit

    /// Long-running effects by the work they do: starting one cancels the one it replaces.
    /// The store's own: `inbox` reads what tasks send back, `frame` draws the next frame.
    enum Slot: Hashable { case running, selection, journal, watch(String), stats(String), clock, recovery, inbox, frame, shell(String), job(String, Int), egress(String), completion, snapshots }
}
