import SandboxKit

/// A sandbox's egress tab: what its network denied it, a line per attempt (time, kind,
/// destination, what was asked), followed as its record grows. `egress` on the command line and
/// `e` in the list open the current sandbox's; the REPL's `egress` lists the record instead.
extension Reducer {
    /// The current sandbox's egress tab, shown: opened if it has none, and one no longer followed
    /// read again from the start. A sandbox not running has no more to follow: the session lists
    /// its record in the commands' output.
    static func showEgress(_ state: inout UIState) -> [Effect] {
        guard let name = state.current, let info = state.rows.first(where: { $0.name == name && $0.isRunning }) else {
            return [.perform(.egress)]
        }
        return showTab(&state, egressTab(state, info))
    }

    /// A new egress tab. One that can record nothing says why, and is not followed: an open
    /// network (no firewall of ours over it) denies nothing, and no network has nothing to deny.
    private static func egressTab(_ state: UIState, _ info: SandboxInfo) -> OutputTab {
        var tab = OutputTab(sandbox: info.name, kind: .egress(denied: 0), log: OutputLog(limit: state.output.limit))
        switch info.isolation {
        case .open:
            tab.ended = .networkOpen
            tab.log.note("\(info.name)'s network is open (\(info.openReason ?? "its engine cannot enforce isolation")): "
                         + "nothing is denied to it, so nothing is recorded", role: .error)
        case .offline:
            tab.ended = .noNetwork
            tab.log.note("\(info.name) has no network: there is nothing to deny it, so nothing is recorded", role: .info)
        case .isolated, .allowList, nil: break
        }
        return tab
    }

    /// A poll's news, a line per attempt. The first read finding none says so, rather than
    /// leaving the pane empty.
    static func egressRecorded(_ state: inout UIState, _ name: String, _ lines: [String]) {
        guard let index = egressIndex(state, name), case .egress(let denied) = state.tabs[index].kind else { return }
        guard !lines.isEmpty else {
            if state.tabs[index].log.lines.isEmpty {
                state.tabs[index].log.note("nothing denied to \(name) is recorded yet: what it is denied shows here as it happens", role: .dim)
            }
            return
        }
        state.tabs[index].kind = .egress(denied: denied + lines.count)
        state.tabs[index].log.note(lines.joined(separator: "\n"), role: .stdout)
    }

    static func egressEnded(_ state: inout UIState, _ name: String, _ outcome: TabEnd) {
        guard let index = egressIndex(state, name) else { return }
        state.tabs[index].ended = outcome
        state.tabs[index].log.note("-- \(outcome) (:egress tries again)", role: .error)
    }

    private static func egressIndex(_ state: UIState, _ name: String) -> Int? {
        state.tabs.firstIndex { tab in
            guard case .egress = tab.kind else { return false }
            return tab.sandbox == name
        }
    }
}
