/// The output pane's tabs, and forwarded ports in the list and the status line.
extension Screen {
    /// The output pane's title: with jobs, a strip of tabs (the shown one in brackets) and what
    /// the shown tab holds, its command last (a long one is cut at the border).
    static func outputTitle(_ state: UIState) -> String {
        let shown = state.jobTabs.indices.contains(state.tab - 1) ? state.jobTabs[state.tab - 1] : nil
        var title = "Output"
        if !state.jobTabs.isEmpty {
            let labels = ["output"] + state.jobTabs.map { "job \($0.id)" }
            title = labels.enumerated().map { $0.offset == state.tab || (shown == nil && $0.offset == 0) ? "[\($0.element)]" : $0.element }
                .joined(separator: " ") + " (F8)"
        }
        if !state.shownLog.following { title += " - scrolled (End follows)" }
        if let job = shown {
            title += " - \(job.ended ?? "running") in \(job.sandbox): \(job.command)"
        } else if let running = state.running {
            title += " - running: \(running)"
        }
        return title
    }

    /// `port 8000 · ` on a sandbox's row for its forwarded ports, like the open-shell marker.
    static func forwardMarker(_ state: UIState, _ name: String, _ g: Glyphs) -> String {
        let ports = state.forwards.filter { $0.sandbox == name }.map { String($0.port) }
        guard !ports.isEmpty else { return "" }
        return "port\(ports.count > 1 ? "s" : "") \(ports.joined(separator: ",")) \(g.dot) "
    }

    /// `:8000→127.0.0.1:43121` for each forward (`NAME:8000→…` for a sandbox other than the current).
    static func forwardsStatus(_ state: UIState) -> String {
        let arrow = state.ascii ? "->" : "→"
        return state.forwards.map { forward in
            (forward.sandbox == state.current ? "" : forward.sandbox) + ":\(forward.port)\(arrow)\(forward.local)"
        }.joined(separator: " ")
    }
}
