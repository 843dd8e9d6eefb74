import DockerEngine
import SandboxCommands
import SandboxKit

/// What comes from outside: the session's typed events, the watcher's lists, an agent's journal.
extension Reducer {
    /// The row of a sandbox being made: "starting", or "building" while its runtime image
    /// builds, until the session says it was created.
    static let newRow = "(new sandbox)"

    static func session(_ state: inout UIState, _ event: SessionEvent) -> [Effect] {
        switch event {
        case .stdout(let text): state.output.append(text, role: .stdout)
        case .stderr(let text): state.output.append(text, role: .stderr)
        case .execStarted(let command, let sandbox): state.output.commandStarted(command, sandbox: sandbox)
        case .execFinished(let exit):
            state.output.commandFinished(exitCode: exit.exitCode, seconds: exit.duration.seconds, timedOut: exit.timedOut)
        case .help(let topic): state.output.note(CommandTable.help(topic, tui: true), role: .info)
        case .failed, .cancelled, .needsEditor, .needsTerminal, .forwardProblem:
            state.pending[newRow] = nil  // a sandbox being made, if any, will not be
            state.pendingLocation = nil  // nor a file being opened for F4
            let text = event.lineText?.text ?? ""
            state.output.append(text, role: .error)
            say(&state, text.trimmingCharacters(in: .newlines), error: true)
        case .notIsolated:  // the row's marker and its selection say it too
            if let text = event.lineText?.text { state.output.append(text, role: .error) }
        case .creatingDefault, .buildProgress, .created:
            switch event {
            case .creatingDefault: state.pending[newRow] = .starting
            case .buildProgress: state.pending[newRow] = .building
            default: state.pending[newRow] = nil
            }
            if let text = event.lineText?.text { state.output.append(text, role: .info) }
        case .jobLog: break  // its tab shows it (``jobsAndForwards``)
        case .snapshotSaved, .restored, .forked:
            if let text = event.lineText?.text { state.output.append(text, role: .info) }
            return jobsAndForwards(&state, event) + [.findSnapshots]
        case .using, .fileShown, .wrote, .listing, .stopped, .removed, .jobStarted, .jobKilled, .forwardOpened, .forwardClosed,
             .serving, .commandChanged:
            if let text = event.lineText?.text { state.output.append(text, role: .info) }
        }
        return jobsAndForwards(&state, event)
    }

    /// Each engine has its own watcher: one engine's updates change only its own group.
    static func watcher(_ state: inout UIState, engine name: String, _ update: SandboxWatcher.Update) -> [Effect] {
        guard let engine = state.engineIndex(named: name) else { return [] }
        switch update {
        case .connected(let api):
            state.engines[engine].connection = .connected(api: api)
            return []
        case .down(let error):
            state.engines[engine].connection = .down(shortReason(error))
            return []
        case .sandboxes(let list):
            // Sandboxes of other engines than the primary go by NAME@CONTEXT, as they are typed.
            let named = engine == 0 ? list : list.map { info in
                var info = info
                info.name = EngineSet.qualified(info.name, context: name)
                return info
            }
            return updateList(&state, engine: engine, named)
        }
    }

    private static func updateList(_ state: inout UIState, engine: Int, _ list: [SandboxInfo]) -> [Effect] {
        let selectedName = state.selectedSandbox?.name
        if case .down = state.engines[engine].connection { state.engines[engine].connection = .connecting }
        let previousNames = state.engines[engine].sandboxes.map(\.name)
        let ended = Set(state.engines[engine].sandboxes.filter(\.isRunning).map(\.name)).subtracting(list.filter(\.isRunning).map(\.name))
        state.engines[engine].sandboxes = list
        for name in state.pending.keys where list.contains(where: { $0.name == name && $0.isRunning }) {
            state.pending[name] = nil
        }
        if let selectedName, let index = state.rows.firstIndex(where: { $0.name == selectedName }) {
            state.selected = index
        } else {
            state.selected = min(state.selected, max(0, state.rows.count - 1))
        }
        // Running sandboxes show their age: the clock ticks while there are any.
        dropStoppedStats(&state)
        var effects: [Effect] = [.clock(state.engines.contains { $0.sandboxes.contains { $0.isRunning } }), statsToTrack(state, engine: engine)]
        if state.current == nil, let first = state.selectedSandbox, first.isRunning, first.managed {
            effects += selectionChanged(&state)
        }
        // A sandbox made or removed elsewhere may come with snapshots, or leave them: look again.
        let named = engine == 0 && Set(list.map(\.name)) != Set(previousNames) ? [Effect.findSnapshots] : []
        return effects + named + sandboxesEnded(&state, ended) + lookForJobs(&state)
    }

    /// The status line's word for a lost connection, from the error's case, not its wording.
    static func shortReason(_ error: any Error) -> String {
        switch error {
        case SandboxError.docker(.daemonUnreachable), DockerError.daemonUnreachable: "daemon not reachable"
        case SandboxError.docker(.permissionDenied), DockerError.permissionDenied: "permission denied on the Docker socket"
        case SandboxError.docker(.timedOut), DockerError.timedOut: "daemon not answering in time"
        case SandboxError.docker(.busy), DockerError.busy: "daemon busy"
        default: String("\(error)".prefix(60))
        }
    }

    /// What an agent did in its sandbox, from the journal `sandbox mcp` writes.
    static func show(_ state: inout UIState, _ entry: JournalEntry) {
        let arguments = entry.arguments.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.count > 40 ? String(value.prefix(40)) + "..." : value)".replacingOccurrences(of: "\n", with: " ")
        }.joined(separator: " ")
        state.output.note("agent \(entry.client) ▸ \(entry.tool) \(arguments)  (\(entry.milliseconds) ms)", role: .agent)
        let lines = entry.result.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines.prefix(12) { state.output.note("  " + line, role: entry.isError ? .error : .stdout) }
        if lines.count > 12 { state.output.note("  ... \(lines.count - 12) more lines", role: .dim) }
    }
}
