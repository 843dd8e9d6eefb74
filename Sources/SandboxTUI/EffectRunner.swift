import Foundation
import LineEditing
import SandboxCommands
import SandboxKit

/// Does what effects say, and owns every task the console starts. A long-running effect has a
/// slot (``Effect/Slot``): starting one cancels the one it replaces. Whatever a task learns
/// goes back as a ``ConsoleEvent`` through ``inbox``, in order with the session's events.
@MainActor final class EffectRunner {
    let session: Session
    let engine: SandboxEngine
    /// One per engine the list shows, each with its own connection and backoff (slot `.watch(engine)`).
    let watchers: [(engine: String, watcher: SandboxWatcher)]
    let driver: any TerminalDriver
    let themes: ThemeStore
    private let lineEditor: any LineEditor
    private var recovery: RecoveryKeeper
    /// Where tasks and the session send what happened; ``ConsoleStore`` reads it on the main actor.
    let inbox: AsyncStream<ConsoleEvent>.Continuation
    private let send: (ConsoleEvent) -> Void
    private let state: () -> UIState
    private var slots: [Effect.Slot: Task<Void, Never>] = [:]
    /// One-shot work (a command, a save), removed when it ends.
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextTask = 0
    private var theme = Theme.builtInDark
    /// Where the frames go while `:record` (or `--record`) is on.
    private var recorder: ScreenRecorder?
    private var recoveryDue: ContinuousClock.Instant?
    private(set) var finished = false
    /// Open shells by sandbox name: the exec and its terminal emulator.
    var shells: [String: OpenShell] = [:]
    /// CPU and memory samplers by engine name, started by the first ``Effect/trackStats(engine:_:)``.
    var statsWatchers: [String: StatsWatcher] = [:]
    /// Output of followed jobs not yet in an event, by slot `.job`: present while the job's
    /// last event waits in the inbox (``queueJobOutput(_:_:_:)``).
    var jobBacklog: [Effect.Slot: String] = [:]
    /// Where egress tabs read a sandbox's record (the engines', unless a test gives its own).
    var egress: EgressSource

    init(session: Session, engine: SandboxEngine, watchers: [(engine: String, watcher: SandboxWatcher)], driver: any TerminalDriver, themes: ThemeStore,
         recovery: RecoveryStore, inbox: AsyncStream<ConsoleEvent>.Continuation,
         send: @escaping (ConsoleEvent) -> Void, state: @escaping () -> UIState) {
        (self.session, self.engine, self.watchers, self.driver, self.themes) = (session, engine, watchers, driver, themes)
        self.recovery = RecoveryKeeper(store: recovery)
        (self.inbox, self.send, self.state) = (inbox, send, state)
        egress = .engines(session.engines)
        lineEditor = driver.makeLineEditor()
    }

    func run(_ effect: Effect) {
        guard !finished else { return }
        let (session, inbox) = (session, inbox)
        let output = InboxOutput(inbox: inbox)
        // What acts on the current sandbox waits for a pick of it still under way (a typed `use`,
        // a list selection), so it runs where the screen says it does.
        let selection = slots[.selection]
        switch effect {
        case .perform(let command):
            let work: @MainActor @Sendable () async -> Void = {
                if case .use = command {} else { await selection?.value }
                await session.perform(command, output: output)
                inbox.yield(.performed(current: await session.currentName))
            }
            // `use` picks the current sandbox as a list selection does, in the same slot: the
            // later one wins (else the list's first pick, still looking its sandbox up, could
            // land after a typed `use`).
            if case .use = command { start(.selection, work) } else { spawn(work) }
        case .create(let what, let context, let ociRuntime, let policy, let user):
            spawn {
                let status = await session.perform(.new(what, on: context, ociRuntime: ociRuntime, policy: policy, user: user), output: output)
                inbox.yield(.created(status: status, current: await session.currentName))
            }
        case .run(let command):
            start(.running) {
                await selection?.value
                await session.perform(command, output: output)
                inbox.yield(.commandEnded)
            }
        case .cancelRunning:
            slots[.running]?.cancel()
        case .open(let path, let replacing):
            spawn {
                await selection?.value
                await Self.open(path, replacing: replacing, session: session, output: output)
            }
        case .save(let save):
            spawn {
                do {
                    try await session.engines.sandbox(named: save.sandbox).sandbox.write(save.path, Data(save.text.utf8))
                    inbox.yield(.saved(save))
                } catch {
                    inbox.yield(.saveFailed(save, error))
                }
            }
        case .select(let name, let then):
            start(.selection) {
                do {
                    let found = try await session.engines.sandbox(named: name)
                    guard !Task.isCancelled else { return }
                    await session.select(found.sandbox, context: found.context)
                    if let then { inbox.yield(.selected(name, then: then)) }
                } catch {
                    if then != nil { inbox.yield(.failed("\(error)")) }  // a list selection fails quietly: the list shows why
                }
            }
        case .followJournal(let name):
            start(.journal) {
                let journal = AgentJournal(sandbox: name)
                var offset: UInt64 = 0
                while !Task.isCancelled {
                    let (entries, next) = journal.read(from: offset)
                    offset = next
                    if !entries.isEmpty { inbox.yield(.journal(entries)) }
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }
        case .stopJournal:
            stop(.journal)
        case .watchSandboxes:
            for (name, watcher) in watchers {
                watcher.start()
                let updates = watcher.updates
                start(.watch(name)) {
                    for await update in updates { inbox.yield(.watcher(engine: name, update)) }
                }
            }
        case .refreshList:
            for (_, watcher) in watchers { watcher.refresh() }
        case .trackStats(let engine, let ids):
            trackStats(engine: engine, ids)
        case .setShowAll(let all):
            for (_, watcher) in watchers { watcher.setShowAll(all) }
        case .warmUp:
            spawn { await session.warmUp() }
        case .loadTheme(let name, let announce):
            do {
                let theme = try themes.load(name)
                self.theme = theme
                recorder?.apply(theme)
                driver.apply(theme)
                send(.themeLoaded(name: name, announce: announce))
            } catch {
                send(.themeFailed(error, kept: theme.name))
            }
        case .setMouse(let on):
            driver.setMouse(on)
        case .suspend:
            driver.suspend()
        case .repaint:
            driver.repaint()
        case .editLine(let bytes, let completions):
            // libedit asks its completer in the middle of this feed: it gets what was found already.
            Readline.completer = { _ in completions ?? [] }
            let lines = lineEditor.feed(bytes)
            Readline.completer = { _ in [] }
            send(.lineEdited(text: lineEditor.line, cursor: lineEditor.cursor, candidates: completions == nil ? [] : lineEditor.candidates))
            if let line = lines.last { send(.lineEntered(line)) }
        case .findSnapshots:
            let engine = engine
            start(.snapshots) { [weak self] in
                // None listed (a daemon that cannot): the list shows none rather than an error.
                let found = (try? await engine.snapshots()) ?? []
                guard !Task.isCancelled else { return }
                var labels: [String: [String]] = [:]
                for snapshot in found.sorted(by: { $0.created > $1.created }) { labels[snapshot.sandbox, default: []].append(snapshot.label) }
                self?.send(.snapshotsFound(labels))
            }
        case .complete(let line):
            let session = session
            start(.completion) { [weak self] in
                let candidates = await Self.completions(line, session: session)
                guard !Task.isCancelled else { return }
                self?.send(.completionsFound(line: line, candidates))
            }
        case .submitLine:
            let line = lineEditor.feed([13]).last ?? ""
            send(.lineEntered(line))
        case .clearLine:
            lineEditor.clear()
            send(.lineEdited(text: lineEditor.line, cursor: lineEditor.cursor, candidates: []))
        case .remember(let line):
            lineEditor.remember(line)
        case .readKept:
            send(.kept(recovery.store.left()))
        case .discardKept(let copy):
            recovery.store.remove(sandbox: copy.sandbox, path: copy.path)
        case .adoptKept(let copy):
            recovery.adopt(copy)
        case .clock(let on):
            guard on else { return stop(.clock) }
            guard slots[.clock] == nil else { return }
            let state = state
            start(.clock) {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let now = Date()
                    if state().agesChange(at: now) { inbox.yield(.tick(now)) }
                }
            }
        case .record(let path):
            guard let path else { return stopRecording() }
            do {
                let expanded = (path as NSString).expandingTildeInPath
                let state = state()
                recorder = try ScreenRecorder(path: expanded, theme: theme, width: state.width, height: state.height)
                send(.recording(expanded, stopped: nil))
            } catch {
                send(.failed("\(error)"))
            }
        case .demo(let runtime):
            spawn {
                do { inbox.yield(.demoReady(try await session.prepareDemo(runtime, output: output))) } catch {
                    output.handle(.failed(error))
                }
            }
        case .serve(let demo):
            spawn {
                do { try await session.serve(demo, output: output) } catch { output.handle(.failed(error)) }
            }
        case .findJobs(let name):
            findJobs(name)
        case .followJob(let name, let id):
            followJob(name, id)
        case .unfollowJob(let name, let id):
            unfollowJob(name, id)
        case .followEgress(let name):
            followEgress(name)
        case .unfollowEgress(let name):
            stop(.egress(name))
        case .openShell(let command, let rows, let columns):
            openShell(command, rows: rows, columns: columns)
        case .shellKey(let name, let key):
            shellKey(name, key)
        case .resizeShells(let rows, let columns):
            resizeShells(rows: rows, columns: columns)
        case .quit:
            finish()
        }
    }

    /// A frame as drawn, for the recording if one is on; a write that fails stops it.
    func recordFrame(_ canvas: Canvas) {
        do { try recorder?.record(canvas) } catch {
            stopRecording()
            send(.failed("\(error); recording stopped"))
        }
    }

    private func stopRecording() {
        guard let recorder else { return }
        recorder.close()
        self.recorder = nil
        send(.recording(nil, stopped: recorder.path))
    }

    /// Writes or removes the open buffer's recovery copy (after every change of state), and
    /// comes back when a copy is due.
    func keepRecoveryCopy() {
        let state = state()
        do {
            let due = try recovery.update(state, now: state.ending == .signal)
            guard due != recoveryDue else { return }
            recoveryDue = due
            guard let due else { return stop(.recovery) }
            start(.recovery) { [weak self] in
                try? await Task.sleep(until: due)
                guard !Task.isCancelled else { return }
                self?.recoveryDue = nil
                self?.keepRecoveryCopy()
            }
        } catch {
            send(.failed("could not keep a recovery copy in \(recovery.store.directory.path): \(error)"))
        }
    }

    /// Ends every task, settles the recovery copy (kept after a signal, dropped after a quit
    /// that asked first), and gives the terminal back.
    private func finish() {
        finished = true
        for (_, watcher) in watchers { watcher.stop() }
        for watcher in statsWatchers.values { watcher.stop() }
        slots.removeValue(forKey: .inbox)  // it ends with the inbox, after the events already in it
        for task in slots.values { task.cancel() }
        for task in tasks.values { task.cancel() }
        slots.removeAll()
        tasks.removeAll()
        if state().ending == .signal { keepRecoveryCopy() } else { recovery.drop() }
        recorder?.close()
        inbox.finish()
        driver.restore()
    }

    // MARK: Tasks

    /// Reads the inbox on the main actor: each event goes to the store in the order it was sent.
    func readInbox(_ events: AsyncStream<ConsoleEvent>) {
        start(.inbox) { [weak self] in
            for await event in events {
                self?.send(event)
                if case .jobOutput(let name, let id, _) = event { self?.jobOutputTaken(name, id) }
            }
        }
    }

    /// Draws once the frame gap since the last frame has passed: a burst of output is one frame.
    func scheduleFrame(at instant: ContinuousClock.Instant, _ draw: @escaping @MainActor () -> Void) {
        guard slots[.frame] == nil, !finished else { return }
        slots[.frame] = Task { [weak self] in
            try? await Task.sleep(until: instant)
            self?.slots[.frame] = nil
            guard self?.finished == false else { return }
            draw()
        }
    }

    func start(_ slot: Effect.Slot, _ work: @escaping @MainActor () async -> Void) {
        slots[slot]?.cancel()
        slots[slot] = Task { await work() }
    }

    func stop(_ slot: Effect.Slot) {
        slots.removeValue(forKey: slot)?.cancel()
    }

    func spawn(_ work: @escaping @MainActor () async -> Void) {
        let id = nextTask
        nextTask += 1
        tasks[id] = Task { [weak self] in
            await work()
            self?.tasks[id] = nil
        }
    }

    // MARK: Work

    /// Reads a file of the current sandbox for the editor; a missing one is a new file.
    private static func open(_ path: String, replacing: Int?, session: Session, output: InboxOutput) async {
        do {
            // NAME@CONTEXT on another engine, read with the sandbox: a save goes where the file came from.
            let (sandbox, name) = try await session.currentSandbox(output)
            let resolved = path.hasPrefix("/") ? path : sandbox.workDir + "/" + path
            let buffer: EditorBuffer
            let note: String
            do {
                buffer = EditorBuffer(text: try await sandbox.readText(resolved))
                note = "opened \(resolved) (\(buffer.lines.count) lines\(buffer.crlf ? ", CRLF" : ""))"
            } catch SandboxError.fileNotFound {
                buffer = EditorBuffer()
                note = "\(resolved) is a new file: Ctrl-S creates it"
            }
            await session.setCurrentFile(resolved)
            output.inbox.yield(.fileOpened(OpenedFile(buffer: buffer, path: resolved, sandbox: name, note: note, replacing: replacing)))
        } catch {
            output.inbox.yield(.failed("\(error)"))
        }
    }
}

/// The session's events for the console: into the inbox, read on the main actor in order.
struct InboxOutput: SessionOutput {
    let inbox: AsyncStream<ConsoleEvent>.Continuation

    func handle(_ event: SessionEvent) { inbox.yield(.session(event)) }
}
