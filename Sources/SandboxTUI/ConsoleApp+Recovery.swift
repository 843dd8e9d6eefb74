import Foundation

/// Buffers an earlier console could not save (it was signalled, or crashed): offered at start,
/// F6 reopens the newest, F7 discards it.
extension ConsoleApp {
    func offerKept() {
        guard let copy = kept.first else { return }
        let more = kept.count > 1 ? " (\(kept.count - 1) more after it)" : ""
        let text = "unsaved edits of \(copy.sandbox):\(copy.path) from \(Self.timeFormat.string(from: copy.kept)) were kept: "
            + "F6 reopens them, F7 discards them\(more)"
        state.output.note(text, role: .info)
        say(text, error: true)
    }

    func restoreKept() {
        guard let copy = kept.first else { return say("no kept edits to reopen") }
        guard state.editor?.modified != true else {
            return ask("\(bufferName) has unsaved changes: y drops them and reopens the kept edits, any other key keeps them",
                       yes: .char("y")) { app in app.reopen(copy) }
        }
        reopen(copy)
    }

    private func reopen(_ copy: RecoveryCopy) {
        var buffer = EditorBuffer(text: copy.text)
        buffer.markModified()
        show(buffer, path: copy.path, sandbox: copy.sandbox)
        recovery.adopt(copy)
        kept.removeFirst()
        say("reopened the kept edits of \(copy.sandbox):\(copy.path): Ctrl-S saves them there")
    }

    func discardKept() {
        guard let copy = kept.first else { return say("no kept edits to discard") }
        recovery.store.remove(sandbox: copy.sandbox, path: copy.path)
        kept.removeFirst()
        say("discarded the kept edits of \(copy.sandbox):\(copy.path)")
        offerKept()
    }

    private static let timeFormat: DateFormatter = {
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return format
    }()
}
