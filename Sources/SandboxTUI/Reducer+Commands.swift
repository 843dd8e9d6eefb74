import SandboxCommands
import SandboxKit

/// The command line's commands: the shared table and parser; the ones that need the editor or
/// the screen (open, save, run, theme, quit, help, egress) are handled here, the rest by the session.
extension Reducer {
    static func commandLine(_ state: inout UIState, _ line: String) -> [Effect] {
        let command: Command?
        do { command = try CommandParser.parse(line) } catch {
            say(&state, "\(error)", error: true)
            return []
        }
        guard let command else { return [] }
        say(&state, "")
        switch command {
        case .open(let path):
            state.pendingLocation = nil
            return open(&state, path)
        case .nextError, .previousError: return goToLocation(&state, forward: command == .nextError)
        case .grep:
            state.output.markNewOutput()
            return [.perform(command)]
        case .save: return save(&state, thenRun: false)
        case .run(nil): return saveAndRun(&state)
        case .theme(let name): return [.loadTheme(name, announce: true)]
        case .record(let path): return record(&state, path)
        case .demo(let runtime):
            say(&state, "demo: creating a \(runtime ?? Demo.defaultRuntime) sandbox with its sample...")
            return [.demo(runtime)]
        case .quit: return requestQuit(&state)
        case .help(let name):
            state.output.note(CommandTable.help(name, tui: true), role: .info)
            if name == nil { say(&state, "keys: ? or F1") }
            return []
        case .write:
            say(&state, "in the console, :open a file and edit it; write PATH <<EOF is for the REPL", error: true)
            return []
        case .new(let what, let context, let ociRuntime, let policy, let user):
            state.pendingEngine = context == state.engines.first?.name ? nil : context
            say(&state, "creating a sandbox from \(what ?? state.defaultImage)\(context.map { " on \($0)" } ?? "")...")
            return [.create(what, on: context, ociRuntime: ociRuntime, policy: policy, user: user)]
        case .run, .exec: return startCommand(&state, command)
        case .shell(let command): return openShell(&state, command)
        case .egress: return showEgress(&state)
        case .use, .ls, .cat, .ps, .stop, .rm, .runtimes, .bg, .jobs, .kill, .logs, .port, .allow, .deny, .snapshots, .changes: return [.perform(command)]
        case .snapshot, .restore, .fork:
            say(&state, "\(command.name): \(state.current ?? "the current sandbox")...")
            return [.perform(command)]
        }
    }

    // MARK: Files

    /// Opens a file of the current sandbox; a modified buffer is not replaced without asking.
    static func open(_ state: inout UIState, _ path: String) -> [Effect] {
        guard state.editor?.modified == true else { return load(&state, path) }
        return ask(&state, .open(path),
                   "\(bufferName(state)) has unsaved changes: y drops them and opens \(path), any other key keeps them (Ctrl-S saves)")
    }

    static func load(_ state: inout UIState, _ path: String) -> [Effect] {
        say(&state, "opening \(path)...")
        return [.open(path: path, replacing: state.editor?.revision)]
    }

    static func opened(_ state: inout UIState, _ file: OpenedFile) -> [Effect] {
        if let current = state.editor, current.modified, current.revision != file.replacing {
            say(&state, "\(file.path) not opened: \(bufferName(state)) changed while it loaded", error: true)
            return []
        }
        show(&state, file.buffer, path: file.path, sandbox: file.sandbox)
        var note = file.note
        if let location = state.pendingLocation, samePath(location.path, file.path) {
            state.editor?.go(to: location)
            note += ", at line \(location.line)"
        }
        state.pendingLocation = nil
        state.current = file.sandbox
        selectCurrentRow(&state)
        say(&state, note)
        return []
    }

    /// Puts a buffer in the editor. It belongs to `sandbox` and `path` from now on: saves go
    /// there whatever sandbox is current later.
    static func show(_ state: inout UIState, _ buffer: EditorBuffer, path: String, sandbox: String) {
        state.editor = buffer
        state.editorPath = path
        state.editorSandbox = sandbox
        state.editorTop = 0
        state.editorLeft = 0
        state.focus = .editor
    }

    /// Writes the buffer back into the sandbox and path it came from.
    static func save(_ state: inout UIState, thenRun: Bool) -> [Effect] {
        guard let buffer = state.editor, let path = state.editorPath, let owner = state.editorSandbox else {
            say(&state, "no file open: :open PATH first", error: true)
            return []
        }
        return [.save(Save(sandbox: owner, path: path, text: buffer.text, thenRun: thenRun))]
    }

    /// Saves the open file and runs it in its own sandbox (made current if it is not).
    static func saveAndRun(_ state: inout UIState) -> [Effect] {
        guard let path = state.editorPath, state.editorSandbox != nil else {
            say(&state, "no file open: :open PATH first, or :run CMD", error: true)
            return []
        }
        guard Session.runner(for: path) != nil else {
            say(&state, "don't know how to run \(path) (.py, .js and .sh run by extension); use :run CMD", error: true)
            return []
        }
        return save(&state, thenRun: true)
    }

    /// On failure the buffer stays as it is, modified, and the status line says why (``ConsoleEvent/saveFailed(_:_:)``).
    static func saved(_ state: inout UIState, _ save: Save) -> [Effect] {
        let same = state.editorSandbox == save.sandbox && state.editorPath == save.path && state.editor?.text == save.text
        if same { state.editor?.markSaved() }
        say(&state, "saved \(save.sandbox):\(save.path) (\(save.text.utf8.count) bytes)")
        guard save.thenRun else { return [] }
        guard state.current == save.sandbox else { return [.select(save.sandbox, then: .run(save.path))] }
        return startCommand(&state, .run(save.path))
    }

    // MARK: Running

    static func startCommand(_ state: inout UIState, _ command: Command) -> [Effect] {
        if state.running != nil {
            say(&state, "a command is running: Ctrl-C cancels it", error: true)
            return []
        }
        state.running = switch command {
        case .exec(let shell): shell
        case .run(let what): what ?? "run"
        default: "command"
        }
        state.tab = 0  // its output shows, not a job's
        state.output.follow()
        return [.run(command)]
    }

    static func cancel(_ state: inout UIState) -> [Effect] {
        guard state.running != nil else {
            say(&state, "nothing is running (q quits)")
            return []
        }
        say(&state, "cancelling: the command is killed in the container")
        return [.cancelRunning]
    }
}

/// `:record` and `:demo`.
extension Reducer {
    /// `:record FILE` starts; `:record` while recording stops (a FILE then is not started).
    static func record(_ state: inout UIState, _ path: String?) -> [Effect] {
        if state.recording != nil { return [.record(nil)] }
        guard let path else {
            say(&state, "usage: record FILE (asciicast v2; :record again stops)", error: true)
            return []
        }
        return [.record(path)]
    }

    /// The sample opens in the editor and runs (a server as a job, its port forwarded).
    static func demoReady(_ state: inout UIState, _ demo: Demo) -> [Effect] {
        state.pending[newRow] = nil
        show(&state, EditorBuffer(text: demo.text), path: demo.path, sandbox: demo.sandbox)
        state.current = demo.sandbox
        selectCurrentRow(&state)
        guard demo.port == nil else { return [.refreshList] + serveDemo(&state, demo) }
        say(&state, "demo: \(demo.path) in \(demo.sandbox) (F5 runs it again)")
        return [.refreshList] + startCommand(&state, .exec(demo.command))
    }
}
