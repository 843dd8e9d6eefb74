/// The list's engine lines, shown when there is more than one engine (``UIState/showsEngines``).
extension Screen {
    /// An engine's header (`tls · tcp+TLS · connected`), or the line under it when it has no
    /// sandboxes or lost its daemon.
    static func drawEngineLine(_ canvas: inout Canvas, _ state: UIState, _ line: ListLayout.Line, x: Int, y: Int, width: Int, _ g: Glyphs) {
        switch line {
        case .header(let index):
            let engine = state.engines[index]
            let (word, role): (String, Role) = switch engine.connection {
            case .connecting: ("connecting...", .building)
            case .connected: ("connected", .running)
            case .down: ("disconnected", .error)
            }
            // The state keeps its place at the right, as a sandbox's age does; a narrow list cuts the name first.
            let room = max(0, width - word.count - 1)
            let column = x + canvas.put(engine.name, x: x, y: y, role: .header, limit: room)
            canvas.put(" \(g.dot) \(engine.endpoint)", x: column, y: y, role: .dim, limit: x + room - column)
            canvas.put(word, x: x + width - word.count, y: y, role: role)
        case .note(let index):
            let engine = state.engines[index]
            let (text, role): (String, Role) = switch engine.connection {
            case .down(let why): ("\(why); retrying", .error)
            case .connecting: ("no answer yet", .dim)
            case .connected: (index == 0 ? "no sandboxes: :new makes one" : "no sandboxes: :new --on \(engine.name)", .dim)
            }
            canvas.put(text, x: x + 1, y: y, role: role, limit: width - 1)
        case .snapshots(let index):
            // Newest first: `:restore LABEL` takes one of these.
            guard let labels = state.snapshots[state.rows[index].name], !labels.isEmpty else { return }
            let text = "\(labels.count) snapshot\(labels.count == 1 ? "" : "s"): " + labels.joined(separator: ", ")
            canvas.put(text, x: x + 2, y: y, role: .dim, limit: width - 2)
        case .row:
            break
        }
    }
}
