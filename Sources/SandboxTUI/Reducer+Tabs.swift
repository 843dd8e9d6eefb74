/// The output pane's tabs beside the commands' output: opened, shown, switched (F8), closed (`x`),
/// and gone with their sandbox. What each follows is an effect: ``follow(_:)`` starts it.
extension Reducer {
    /// The most tabs in all, each with a log of its own: a new one pushes out the oldest that
    /// ended (else the oldest, no longer followed).
    static let tabsInAll = 16

    /// Shows `tab`, opened if there is none like it; one no longer followed is replaced by
    /// `tab`, read again from the start.
    static func showTab(_ state: inout UIState, _ tab: OutputTab) -> [Effect] {
        guard let index = state.tabs.firstIndex(where: { $0.isSame(as: tab) }) else {
            let effects = addTab(&state, tab)
            state.tab = state.tabs.count
            return effects
        }
        state.tab = index + 1
        guard state.tabs[index].ended != nil else { return [] }
        state.tabs[index] = tab
        return follow(tab)
    }

    /// Adds a tab after the others, without showing it.
    static func addTab(_ state: inout UIState, _ tab: OutputTab) -> [Effect] {
        var effects: [Effect] = []
        if state.tabs.count >= tabsInAll {
            effects = removeTab(&state, at: state.tabs.firstIndex { $0.ended != nil } ?? 0)
        }
        state.tabs.append(tab)
        return effects + follow(tab)
    }

    private static func follow(_ tab: OutputTab) -> [Effect] {
        guard tab.ended == nil else { return [] }
        switch tab.kind {
        case .job(let id, _): return [.followJob(sandbox: tab.sandbox, id: id)]
        case .egress: return [.followEgress(tab.sandbox)]
        }
    }

    /// Drops a tab, and stops following what it shows. The tab shown stays shown (the commands'
    /// output when it was this one).
    private static func removeTab(_ state: inout UIState, at index: Int) -> [Effect] {
        let tab = state.tabs.remove(at: index)
        if state.tab == index + 1 { state.tab = 0 } else if state.tab > index + 1 { state.tab -= 1 }
        guard tab.ended == nil else { return [] }
        switch tab.kind {
        case .job(let id, _): return [.unfollowJob(sandbox: tab.sandbox, id: id)]
        case .egress: return [.unfollowEgress(tab.sandbox)]
        }
    }

    /// Sandboxes no longer listed running took what their tabs follow with them: the tabs go,
    /// and their jobs are looked for again should one of that name run again.
    static func sandboxesEnded(_ state: inout UIState, _ names: Set<String>) -> [Effect] {
        guard !names.isEmpty else { return [] }
        state.jobsLooked.subtract(names)
        var effects: [Effect] = []
        while let index = state.tabs.lastIndex(where: { names.contains($0.sandbox) }) { effects += removeTab(&state, at: index) }
        return effects
    }

    /// `x` on a tab: it goes, and what it followed is no longer followed (a job keeps running).
    static func closeTab(_ state: inout UIState) -> [Effect] {
        guard state.tabs.indices.contains(state.tab - 1) else {
            say(&state, "x closes a background job's or egress tab; this is the commands' output (F8 shows the others)")
            return []
        }
        let tab = state.tabs[state.tab - 1]
        let effects = removeTab(&state, at: state.tab - 1)
        // `logs N`, `kill N` and `egress` act on the current sandbox: the hint says which that must be.
        let first = tab.sandbox == state.current ? "" : "use \(tab.sandbox), then "
        switch tab.kind {
        case .job(let id, _):
            say(&state, "closed job \(id)'s tab\(tab.ended == nil ? " (it keeps running: \(first):logs \(id) reopens it, :kill \(id) ends it)" : "")")
        case .egress:
            say(&state, "closed the egress tab of \(tab.sandbox) (\(first):egress reopens it)")
        }
        return effects
    }

    /// F8: the output pane's next tab (after the last, the commands' output again).
    static func nextTab(_ state: inout UIState) -> [Effect] {
        guard !state.tabs.isEmpty else {
            say(&state, "no background jobs or egress tabs: :bg CMD starts a job, :egress shows what the sandbox is denied; each gets a tab here")
            return []
        }
        state.tab = (state.tab + 1) % (state.tabs.count + 1)
        return []
    }
}
