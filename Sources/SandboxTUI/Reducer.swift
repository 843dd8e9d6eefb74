import Foundation
import SandboxCommands
import SandboxKit

/// The console's logic as one pure function: an event changes the state and asks for effects.
/// No I/O, no clock, no tasks here; ``EffectRunner`` does what the effects say.
public enum Reducer {
    /// What the screen needs before a frame, so that rendering only reads: the editor scrolled
    /// so its cursor shows, and the colours of the lines that show worked out. The store does it
    /// once per frame (not per event: a burst of output is many events and one frame).
    static func settleEditor(_ state: inout UIState) {
        guard let buffer = state.editor, let path = state.editorPath else { return }
        let inner = Screen.layout(width: state.width, height: state.height).editor.inner
        let textWidth = max(1, inner.width - Screen.gutter(buffer) - 1)
        let height = max(1, inner.height)
        if buffer.line < state.editorTop { state.editorTop = buffer.line }
        if buffer.line >= state.editorTop + height { state.editorTop = buffer.line - height + 1 }
        let cursorCell = Screen.cells(buffer.currentLine.prefix(buffer.column))
        if cursorCell < state.editorLeft { state.editorLeft = max(0, cursorCell - textWidth / 4) }
        if cursorCell >= state.editorLeft + textWidth { state.editorLeft = cursorCell - textWidth + textWidth / 4 }
        state.highlight.update(buffer.lines, language: Language.of(path: path, firstLine: buffer.lines[0]), through: state.editorTop + height - 1)
    }

    public static func reduce(_ state: inout UIState, _ event: ConsoleEvent) -> [Effect] {
        switch event {
        case .key(let key): return self.key(&state, key)
        case .resized(let width, let height):
            (state.width, state.height) = (width, height)
            return resizedShells(state)
        case .ended:
            state.ending = .signal
            return [.quit]
        case .tick(let date):
            state.now = date
            return []
        case .watcher(let engine, let update): return watcher(&state, engine: engine, update)
        case .stats(let engine, let stats): return statsArrived(&state, engine: engine, stats)
        case .session(let event): return session(&state, event)
        case .lineEdited(let text, let cursor, let candidates):
            (state.commandText, state.commandCursor) = (text, cursor)
            if candidates.count > 1 { say(&state, candidates.prefix(12).joined(separator: "  ") + (candidates.count > 12 ? "  ..." : "")) }
            return []
        case .snapshotsFound(let snapshots):
            state.snapshots = snapshots
            return []
        case .completionsFound(let line, let candidates):
            // Typing went on meanwhile: this Tab is stale.
            guard state.focus == .command, String(state.commandText.prefix(state.commandCursor)) == line else { return [] }
            return [.editLine([9], completions: candidates)]
        case .lineEntered(let line):
            let target = state.searchTarget
            let effects = leaveCommandLine(&state)
            if let target { return effects + search(&state, line, in: target) }
            return effects + [.remember(line)] + commandLine(&state, line)
        case .performed(let current):
            state.current = current
            selectCurrentRow(&state)
            return [.refreshList] + lookForJobs(&state)
        case .created(let status, let current):
            if let current { state.pending[current] = nil }
            state.pendingEngine = nil
            state.current = current
            selectCurrentRow(&state)
            if status == 0 { say(&state, "\(current ?? "sandbox") is ready: :open PATH to edit a file, !CMD to run one") }
            return [.refreshList]
        case .commandEnded:
            state.running = nil
            return []
        case .fileOpened(let file): return opened(&state, file)
        case .saved(let save): return saved(&state, save)
        case .saveFailed(let save, let error):
            say(&state, "\(save.sandbox):\(save.path) not saved: \(error) (the buffer is kept, still modified)", error: true)
            return []
        case .selected(let name, let command):
            state.current = name
            selectCurrentRow(&state)
            return startCommand(&state, command)
        case .journal(let entries):
            for entry in entries { show(&state, entry) }
            return []
        case .themeLoaded(let name, let announce):
            state.themeName = name
            if announce { say(&state, "theme \(name)") }
            return []
        case .themeFailed(let error, let kept):
            say(&state, "\(error); using the \(kept) theme", error: true)
            return []
        case .kept(let copies):
            state.kept = copies
            offerKept(&state)
            return []
        case .shellOpened(let name, let screen): return shellOpened(&state, name, screen)
        case .shellScreen(let name, let screen):
            if state.shells[name] != nil { state.shells[name] = screen }
            return []
        case .shellEnded(let name, let code): return shellEnded(&state, name, code)
        case .recording(let path, let stopped):
            state.recording = path
            if let path { say(&state, "recording to \(path) (:record again stops)") }
            if let stopped { say(&state, "recorded \(stopped) (asciinema play \(stopped) replays it)") }
            return []
        case .demoReady(let demo): return demoReady(&state, demo)
        case .jobsFound(let name, let jobs): return jobsFound(&state, name, jobs)
        case .jobOutput(let name, let id, let text):
            jobOutput(&state, name, id, text)
            return []
        case .jobEnded(let name, let id, let outcome):
            jobEnded(&state, name, id, outcome)
            return []
        case .egressRecorded(let name, let lines):
            egressRecorded(&state, name, lines)
            return []
        case .egressEnded(let name, let outcome):
            egressEnded(&state, name, outcome)
            return []
        case .failed(let text):
            say(&state, text, error: true)
            return []
        }
    }

    // MARK: Shared steps

    static func say(_ state: inout UIState, _ text: String, error: Bool = false) {
        state.message = (text, error)
    }

    /// Asks in the status line; the next key answers.
    static func ask(_ state: inout UIState, _ question: Question, _ text: String) -> [Effect] {
        say(&state, text, error: true)
        state.question = question
        return []
    }

    /// "sandbox:path" of the open buffer.
    static func bufferName(_ state: UIState) -> String { "\(state.editorSandbox ?? "?"):\(state.editorPath ?? "the buffer")" }

    static func selectCurrentRow(_ state: inout UIState) {
        if let current = state.current, let index = state.rows.firstIndex(where: { $0.name == current }) { state.selected = index }
    }
}
