import DockerEngine
import Foundation
import LineEditing
import SandboxCommands
import SandboxKit
import Synchronization

/// Options from the command line.
public struct ConsoleOptions: Sendable {
    public var theme = "dark"
    public var ascii = false
    public var pollInterval: Double = 2
    public var scrollback = 10_000
    public init() {}
}

/// The full-screen console. All UI state lives on the thread that calls ``run()``; engine
/// work runs in tasks that hand results back through ``post(_:)``, which wakes the loop.
public final class ConsoleApp: @unchecked Sendable {
    var state = UIState()
    let session: Session
    let engine: SandboxEngine
    let options: ConsoleOptions
    let themes = ThemeStore.standard
    var theme = Theme.builtInDark
    var terminal: CursesTerminal?
    var lineEditor: PtyLineEditor?

    /// The sandboxes, live from the daemon.
    let watcher: SandboxWatcher
    private let inbox = Mutex<[@Sendable (ConsoleApp) -> Void]>([])
    private var wakeFDs: [Int32] = [-1, -1]
    nonisolated(unsafe) static var signalFD: Int32 = -1

    var dirty = true
    var quitting = false
    /// A question in the status line: the next key answers it (and does nothing else).
    var pendingAnswer: ((ConsoleApp, Key) -> Void)?
    /// Set when SIGTERM or SIGHUP ends the console: a modified buffer is kept for recovery.
    var endedBySignal = false
    var recovery = RecoveryKeeper(store: .standard)
    /// Copies of buffers earlier consoles could not save, offered at start (F6 / F7).
    var kept: [RecoveryCopy] = []
    var searchTarget: Focus?
    var runningTask: Task<Void, Never>?
    var monitorTasks: [Task<Void, Never>] = []
    var journalTask: Task<Void, Never>?
    var selectionTask: Task<Void, Never>?
    private var lastRender = ContinuousClock.now

    public init(engine: SandboxEngine, options: ConsoleOptions, pool: SandboxPool? = nil) {
        self.engine = engine
        self.options = options
        session = Session(engine: engine, creator: .tui, pool: pool)
        watcher = SandboxWatcher(engine: engine, pollInterval: .milliseconds(Int64((options.pollInterval * 1000).rounded())))
        state.output = OutputLog(limit: options.scrollback)
        state.ascii = options.ascii
        state.address = engine.address
    }

    // MARK: Thread hand-off

    /// Runs `work` on the UI thread at the next turn of the loop (batched with other posts).
    func post(_ work: @escaping @Sendable (ConsoleApp) -> Void) {
        inbox.withLock { $0.append(work) }
        var byte: UInt8 = 1
        _ = write(wakeFDs[1], &byte, 1)
    }

    // MARK: The loop

    /// Takes over the terminal until the user quits; the terminal is restored however it ends.
    public func run() {
        _ = pipe(&wakeFDs)
        for fd in wakeFDs { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        installSignals()
        loadTheme(options.theme, announce: false)
        let terminal = CursesTerminal()
        self.terminal = terminal
        terminal.apply(theme)
        lineEditor = PtyLineEditor(prompt: "", width: 200)
        Readline.setUp(history: UserDirectories.history)
        Readline.completer = { [session] line in
            ConsoleApp.completions(line, session: session)
        }
        if let problem = RuntimeRegistry.standardProblem { state.message = ("\(problem); using the built-in runtimes", true) }
        kept = recovery.store.left()
        offerKept()
        startWatching()
        Task { [session] in await session.warmUp() }
        defer {
            watcher.stop()
            for task in monitorTasks { task.cancel() }
            journalTask?.cancel()
            runningTask?.cancel()
            terminal.restore()
        }
        var recoveryDue: ContinuousClock.Instant?
        while !quitting {
            let frameGap = ContinuousClock.now - lastRender
            if dirty && frameGap >= .milliseconds(16) { render() }
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeFDs[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: Self.signalFD, events: Int16(POLLIN), revents: 0)]
            // Asleep until something happens; a pending frame waits out its 16 ms; running
            // sandboxes tick once a second for their uptime; a recovery copy is written on time.
            var timeout: Int32 = dirty ? 16 : (state.sandboxes.contains { $0.isRunning } ? 1000 : -1)
            if let recoveryDue {
                let wait = Int32(max(0, min(1000, ((recoveryDue - .now) / .milliseconds(1)).rounded(.up))))
                timeout = timeout < 0 ? wait : min(timeout, wait)
            }
            let ready = poll(&fds, 3, timeout)
            if ready == 0 && !dirty { state.now = Date(); dirty = true }
            if fds[2].revents & Int16(POLLIN) != 0 { drainSignals() }
            // The terminal went away (its emulator was killed and no SIGHUP came): poll would
            // report it at once forever. End as on a signal, keeping a modified buffer.
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                quitting = true
                endedBySignal = true
            }
            if fds[1].revents & Int16(POLLIN) != 0 { drainInbox() }
            while let key = terminal.readKey() { handle(key) }
            recoveryDue = keepRecoveryCopy(now: endedBySignal)
        }
        // Quitting the normal way asked first about a modified buffer: nothing is left to recover.
        if !endedBySignal { recovery.drop() }
    }

    /// Writes or removes the open buffer's recovery copy; returns when it is next due.
    private func keepRecoveryCopy(now: Bool) -> ContinuousClock.Instant? {
        do {
            return try recovery.update(state, now: now)
        } catch {
            say("could not keep a recovery copy in \(recovery.store.directory.path): \(error)", error: true)
            return nil
        }
    }

    /// After ``run()``: removes the pool's waiting sandboxes; the ones made here stay listed.
    public func shutdown() async {
        await session.shutdown(keepCreated: true)
    }

    private func render() {
        guard let terminal else { return }
        let (width, height) = terminal.size
        if let editor = lineEditor, state.focus == .command {
            state.commandText = editor.line
            state.commandCursor = editor.cursor
        }
        let canvas = Screen.render(&state, width: width, height: height)
        terminal.draw(canvas)
        dirty = false
        lastRender = .now
    }

    private func drainInbox() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeFDs[0], &buffer, buffer.count) > 0 {}
        let work = inbox.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        for item in work { item(self) }
        if !work.isEmpty { dirty = true }
    }

    // MARK: Signals

    private func installSignals() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        Self.signalFD = fds[0]
        Self.signalWriteFD = fds[1]
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig) { signo in
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(ConsoleApp.signalWriteFD, &byte, 1)
            }
        }
    }
    nonisolated(unsafe) static var signalWriteFD: Int32 = -1

    /// SIGTERM, SIGINT or SIGHUP: the console ends at once, without asking, so a modified
    /// buffer is kept as a recovery copy (the loop writes it) for the next start to offer.
    private func drainSignals() {
        var buffer = [UInt8](repeating: 0, count: 16)
        if read(Self.signalFD, &buffer, buffer.count) > 0 {
            quitting = true
            endedBySignal = true
        }
    }

    // MARK: Status

    func say(_ text: String, error: Bool = false) {
        state.message = (text, error)
        dirty = true
    }

    func loadTheme(_ name: String, announce: Bool) {
        do {
            theme = try themes.load(name)
            state.themeName = name
            terminal?.apply(theme)
            if announce { say("theme \(name)") }
        } catch {
            say("\(error); using the \(theme.name) theme", error: true)
        }
        dirty = true
    }

    // MARK: Watching the daemon

    /// The watcher's updates, applied on the UI thread (it owns the event stream, the poll and
    /// the reconnection).
    private func startWatching() {
        watcher.start()
        let updates = watcher.updates
        monitorTasks = [Task { [weak self] in
            for await update in updates {
                switch update {
                case .connected(let api): self?.post { $0.state.connection = .connected(api: api) }
                case .sandboxes(let list): self?.post { $0.updateList(list) }
                case .down(let error):
                    let reason = Self.shortReason(error)
                    self?.post { $0.state.connection = .down(reason) }
                }
            }
        }]
    }

    private func updateList(_ list: [SandboxInfo]) {
        let selectedName = state.selectedSandbox?.name
        if case .down = state.connection { state.connection = .connecting }
        state.sandboxes = list
        for name in state.pending.keys where list.contains(where: { $0.name == name && $0.isRunning }) {
            state.pending[name] = nil
        }
        if let selectedName, let index = state.rows.firstIndex(where: { $0.name == selectedName }) {
            state.selected = index
        } else {
            state.selected = min(state.selected, max(0, state.rows.count - 1))
        }
        dirty = true
        if state.current == nil, let first = state.selectedSandbox, first.isRunning, first.managed { selectionChanged() }
    }

    /// The status line's word for a lost connection, from the error's case, not its wording.
    static func shortReason(_ error: any Error) -> String {
        switch error {
        case SandboxError.docker(.daemonUnreachable), DockerError.daemonUnreachable: "daemon not reachable"
        case SandboxError.docker(.permissionDenied), DockerError.permissionDenied: "permission denied on the Docker socket"
        default: String("\(error)".prefix(60))
        }
    }

    /// Completion for the command line; libedit calls it on the UI thread, so it waits briefly.
    static func completions(_ line: String, session: Session) -> [String] {
        let words = line.split(separator: " ")
        if words.first == "theme", words.count <= 2 {
            let prefix = line.hasSuffix(" ") ? "" : String(words.last ?? "")
            return ThemeStore.standard.names.filter { $0.hasPrefix(prefix) }
        }
        return Blocking.wait(timeout: 1.5) { await session.completions(line: line) } ?? []
    }
}
