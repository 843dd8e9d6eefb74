import Foundation

/// Buffers an earlier console could not save (it was signalled, or crashed): offered at start,
/// F6 reopens the newest, F7 discards it.
extension Reducer {
    static func offerKept(_ state: inout UIState) {
        guard let copy = state.kept.first else { return }
        let more = state.kept.count > 1 ? " (\(state.kept.count - 1) more after it)" : ""
        let text = "unsaved edits of \(copy.sandbox):\(copy.path) from \(timeFormat.string(from: copy.kept)) were kept: "
            + "F6 reopens them, F7 discards them\(more)"
        state.output.note(text, role: .info)
        say(&state, text, error: true)
    }

    static func restoreKept(_ state: inout UIState) -> [Effect] {
        guard let copy = state.kept.first else {
            say(&state, "no kept edits to reopen")
            return []
        }
        guard state.editor?.modified != true else {
            return ask(&state, .reopen(copy),
                       "\(bufferName(state)) has unsaved changes: y drops them and reopens the kept edits, any other key keeps them")
        }
        return reopen(&state, copy)
    }

    static func reopen(_ state: inout UIState, _ copy: RecoveryCopy) -> [Effect] {
        var buffer = EditorBuffer(text: copy.text)
        buffer.markModified()
        show(&state, buffer, path: copy.path, sandbox: copy.sandbox)
        state.kept.removeAll { $0 == copy }
        say(&state, "reopened the kept edits of \(copy.sandbox):\(copy.path): Ctrl-S saves them there")
        return [.adoptKept(copy)]
    }

    static func discardKept(_ state: inout UIState) -> [Effect] {
        guard let copy = state.kept.first else {
            say(&state, "no kept edits to discard")
            return []
        }
        state.kept.removeFirst()
        say(&state, "discarded the kept edits of \(copy.sandbox):\(copy.path)")
        offerKept(&state)
        return [.discardKept(copy)]
    }

    private static let timeFormat: DateFormatter = {
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return format
    }()
}
