import Foundation
import SandboxCommands
import SandboxKit

/// The command line's commands: the shared table and parser, with the ones that need the
/// editor or the screen (open, save, run, theme, quit, help) handled here and the rest by the
/// shared ``Session``.
extension ConsoleApp {
    func runCommandLine(_ line: String) {
        let command: Command?
        do { command = try CommandParser.parse(line) } catch {
            return say("\(error)", error: true)
        }
        guard let command else { return }
        say("")
        switch command {
        case .open(let path): open(path)
        case .save: save()
        case .run(nil): saveAndRun()
        case .theme(let name): loadTheme(name, announce: true)
        case .quit: requestQuit()
        case .help(let name):
            state.output.note(CommandTable.help(name, tui: true), role: .info)
            if name == nil { say("keys: ? or F1") }
        case .write:
            say("in the console, :open a file and edit it; write PATH <<EOF is for the REPL", error: true)
        case .new(let what):
            startNew(what)
        case .run, .exec:
            startCommand(command)
        default:
            let output = PaneOutput(app: self)
            Task { [session] in
                await session.perform(command, output: output)
                let current = await session.currentName
                self.post { app in
                    app.state.current = current
                    app.selectCurrentRow()
                }
                self.watcher.refresh()
            }
        }
    }

    // MARK: Sandboxes

    private func startNew(_ what: String?) {
        let output = PaneOutput(app: self)
        say("creating a sandbox from \(what ?? DockerSandbox.defaultImage)...")
        Task { [session] in
            let status = await session.perform(.new(what), output: output)
            let current = await session.currentName
            self.watcher.refresh()
            self.post { app in
                if let current { app.state.pending[current] = nil }
                app.state.current = current
                app.selectCurrentRow()
                if status == 0 { app.say("\(current ?? "sandbox") is ready: :open PATH to edit a file, !CMD to run one") }
            }
        }
    }

    /// The list selection is the current sandbox; an agent's sandbox shows its journal.
    func selectionChanged() {
        guard let info = state.selectedSandbox, info.managed, !info.containerID.isEmpty else { return }
        state.current = info.name
        selectionTask?.cancel()
        selectionTask = Task { [session, engine] in
            guard let sandbox = try? await engine.sandbox(named: info.name), !Task.isCancelled else { return }
            await session.select(sandbox)
        }
        journalTask?.cancel()
        journalTask = nil
        if info.createdBy == .agent { followJournal(of: info.name) }
    }

    func selectCurrentRow() {
        if let current = state.current, let index = state.rows.firstIndex(where: { $0.name == current }) { state.selected = index }
    }

    /// Shows what an agent does in its sandbox, live, from the journal `sandbox mcp` writes.
    private func followJournal(of name: String) {
        let journal = AgentJournal(sandbox: name)
        state.output.note("-- following agent journal of \(name)", role: .agent)
        journalTask = Task { [weak self] in
            var offset: UInt64 = 0
            while !Task.isCancelled {
                let (entries, next) = journal.read(from: offset)
                offset = next
                if !entries.isEmpty {
                    self?.post { app in for entry in entries { app.show(entry) } }
                }
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
    }

    private func show(_ entry: JournalEntry) {
        let arguments = entry.arguments.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.count > 40 ? String(value.prefix(40)) + "..." : value)".replacingOccurrences(of: "\n", with: " ")
        }.joined(separator: " ")
        state.output.note("agent \(entry.client) ▸ \(entry.tool) \(arguments)  (\(entry.milliseconds) ms)", role: .agent)
        let lines = entry.result.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines.prefix(12) { state.output.note("  " + line, role: entry.isError ? .error : .stdout) }
        if lines.count > 12 { state.output.note("  ... \(lines.count - 12) more lines", role: .dim) }
    }

    // MARK: Files

    /// Opens a file of the current sandbox; a modified buffer is not replaced without asking.
    func open(_ path: String) {
        guard state.editor?.modified == true else { return load(path) }
        ask("\(bufferName) has unsaved changes: y drops them and opens \(path), any other key keeps them (Ctrl-S saves)",
            yes: .char("y")) { app in app.load(path) }
    }

    /// "sandbox:path" of the open buffer.
    var bufferName: String { "\(state.editorSandbox ?? "?"):\(state.editorPath ?? "the buffer")" }

    private func load(_ path: String) {
        say("opening \(path)...")
        // The buffer this load may replace; if it changes while the file loads, it stays.
        let replaceable = state.editor?.revision
        Task { [session] in
            let output = PaneOutput(app: self)
            do {
                let sandbox = try await session.currentSandbox(output)
                let resolved = path.hasPrefix("/") ? path : sandbox.workDir + "/" + path
                let buffer: EditorBuffer
                let note: String
                do {
                    let data = try await sandbox.readData(resolved)
                    guard !data.prefix(8192).contains(0), let text = String(data: data, encoding: .utf8) else {
                        throw SandboxError.binaryFile(resolved)
                    }
                    buffer = EditorBuffer(text: text)
                    note = "opened \(resolved) (\(buffer.lines.count) lines\(buffer.crlf ? ", CRLF" : ""))"
                } catch SandboxError.fileNotFound {
                    buffer = EditorBuffer()
                    note = "\(resolved) is a new file: Ctrl-S creates it"
                }
                await session.setCurrentFile(resolved)
                let name = sandbox.name
                self.post { app in
                    if let current = app.state.editor, current.modified, current.revision != replaceable {
                        return app.say("\(resolved) not opened: \(app.bufferName) changed while it loaded", error: true)
                    }
                    app.show(buffer, path: resolved, sandbox: name)
                    app.state.current = name
                    app.selectCurrentRow()
                    app.say(note)
                }
            } catch {
                self.post { $0.say("\(error)", error: true) }
            }
        }
    }

    /// Puts a buffer in the editor. It belongs to `sandbox` and `path` from now on: saves go
    /// there whatever sandbox is current later.
    func show(_ buffer: EditorBuffer, path: String, sandbox: String) {
        state.editor = buffer
        state.editorPath = path
        state.editorSandbox = sandbox
        state.editorTop = 0
        state.editorLeft = 0
        state.focus = .editor
    }

    /// Writes the buffer back into the sandbox and path it came from; on failure the buffer
    /// stays as it is, modified, and the status line says why.
    func save(then next: (@Sendable (ConsoleApp) -> Void)? = nil) {
        guard let buffer = state.editor, let path = state.editorPath, let owner = state.editorSandbox else {
            return say("no file open: :open PATH first", error: true)
        }
        let text = buffer.text
        Task { [engine] in
            do {
                let sandbox = try await engine.sandbox(named: owner)
                try await sandbox.write(path, Data(text.utf8))
                self.post { app in
                    let same = app.state.editorSandbox == owner && app.state.editorPath == path && app.state.editor?.text == text
                    if same { app.state.editor?.markSaved() }
                    app.say("saved \(owner):\(path) (\(text.utf8.count) bytes)")
                    next?(app)
                }
            } catch {
                self.post { $0.say("\(owner):\(path) not saved: \(error) (the buffer is kept, still modified)", error: true) }
            }
        }
    }

    /// Saves the open file and runs it in its own sandbox (made current if it is not).
    func saveAndRun() {
        guard let path = state.editorPath, let owner = state.editorSandbox else {
            return say("no file open: :open PATH first, or :run CMD", error: true)
        }
        guard Session.runner(for: path) != nil else {
            return say("don't know how to run \(path) (.py, .js and .sh run by extension); use :run CMD", error: true)
        }
        save { app in
            guard app.state.current != owner else { return app.startCommand(.run(path)) }
            Task { [session = app.session, engine = app.engine] in
                do {
                    await session.select(try await engine.sandbox(named: owner))
                    app.post { app in
                        app.state.current = owner
                        app.selectCurrentRow()
                        app.startCommand(.run(path))
                    }
                } catch {
                    app.post { $0.say("\(error)", error: true) }
                }
            }
        }
    }

    // MARK: Running

    func startCommand(_ command: Command) {
        if runningTask != nil { return say("a command is running: Ctrl-C cancels it", error: true) }
        let label: String = switch command {
        case .exec(let shell): shell
        case .run(let what): what ?? "run"
        default: "command"
        }
        state.running = label
        state.output.follow()
        let output = PaneOutput(app: self)
        runningTask = Task { [session] in
            await session.perform(command, output: output)
            self.post { app in
                app.runningTask = nil
                app.state.running = nil
            }
        }
    }

    func cancelRunning() {
        guard let task = runningTask else { return say("nothing is running (q quits)") }
        task.cancel()
        say("cancelling: the command is killed in the container")
    }

    func requestQuit() {
        guard state.editor?.modified == true else { quitting = true; return }
        ask("\(bufferName) has unsaved changes: q again quits without saving, any other key stays (Ctrl-S saves)",
            yes: .char("q")) { app in app.quitting = true }
    }

    /// Asks in the status line; the next key answers: `yes` runs `action`, any other key does nothing.
    func ask(_ question: String, yes: Key, _ action: @escaping (ConsoleApp) -> Void) {
        say(question, error: true)
        pendingAnswer = { app, key in
            if key == yes { action(app) } else { app.say("") }
        }
    }
}

/// Session output for the console: everything lands in the output pane, through the UI thread;
/// a sandbox being made shows in the list from the typed events.
struct PaneOutput: SessionOutput {
    let app: ConsoleApp

    func handle(_ event: SessionEvent) {
        app.post { app in
            switch event {
            case .stdout(let text): app.state.output.append(text, role: .stdout)
            case .stderr(let text): app.state.output.append(text, role: .stderr)
            case .execStarted(let command, let sandbox): app.state.output.commandStarted(command, sandbox: sandbox)
            case .execFinished(let exit):
                app.state.output.commandFinished(exitCode: exit.exitCode, seconds: exit.duration.seconds, timedOut: exit.timedOut)
            case .help(let topic): app.state.output.note(CommandTable.help(topic, tui: true), role: .info)
            case .failed, .cancelled, .needsEditor:
                app.state.pending[ConsoleApp.newRow] = nil  // a sandbox being made, if any, will not be
                let text = event.lineText?.text ?? ""
                app.state.output.append(text, role: .error)
                app.say(text.trimmingCharacters(in: .newlines), error: true)
            case .creatingDefault, .buildProgress, .created:
                app.showCreation(event)
                if let text = event.lineText?.text { app.state.output.append(text, role: .info) }
            default:
                if let text = event.lineText?.text { app.state.output.append(text, role: .info) }
            }
        }
    }
}

extension ConsoleApp {
    /// The row of a sandbox being made: "starting", or "building" while its runtime image builds,
    /// until the session says it was created.
    static let newRow = "(new sandbox)"

    func showCreation(_ event: SessionEvent) {
        switch event {
        case .creatingDefault: state.pending[Self.newRow] = .starting
        case .buildProgress: state.pending[Self.newRow] = .building
        case .created: state.pending[Self.newRow] = nil
        default: break
        }
    }
}
