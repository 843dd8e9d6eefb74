/// The output pane's tabs, and forwarded ports in the list and the status line.
extension Screen {
    /// The output pane's title: with tabs, a strip of them (the shown one in brackets) and what
    /// the shown tab holds (a job's command last: a long one is cut at the border; how many
    /// attempts an egress tab shows).
    static func outputTitle(_ state: UIState) -> String {
        let shown = state.tabs.indices.contains(state.tab - 1) ? state.tabs[state.tab - 1] : nil
        var title = "Output"
        if !state.tabs.isEmpty {
            let labels = ["output"] + state.tabs.map(tabLabel)
            title = labels.enumerated().map { $0.offset == state.tab || (shown == nil && $0.offset == 0) ? "[\($0.element)]" : $0.element }
                .joined(separator: " ") + " (F8)"
        }
        if !state.shownLog.following { title += " - scrolled (End follows)" }
        if let shown {
            title += " - " + tabDetail(shown)
        } else if let running = state.running {
            title += " - running: \(running)"
        }
        return title
    }

    /// A tab in the strip.
    private static func tabLabel(_ tab: OutputTab) -> String {
        switch tab.kind {
        case .job(let id, _): "job \(id)"
        case .egress: "egress \(tab.sandbox)"
        }
    }

    /// What the shown tab holds, after the strip.
    private static func tabDetail(_ tab: OutputTab) -> String {
        switch tab.kind {
        case .job(_, let command): "\(tab.ended.map { "\($0)" } ?? "running") in \(tab.sandbox): \(command)"
        case .egress(let denied): "\(denied) denied" + (tab.ended.map { ", \($0)" } ?? " so far")
        }
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
