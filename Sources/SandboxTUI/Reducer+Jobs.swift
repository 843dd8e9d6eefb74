import SandboxCommands
import SandboxKit

/// Background jobs in tabs of the output pane, forwarded ports in the list and the status line,
/// and a demo's server.
extension Reducer {
    /// The most tabs a sandbox's earlier jobs get (its newest): each tab follows its job with an exec.
    static let jobTabsPerSandbox = 8
    /// The most tabs in all, each with a log of its own: a new one pushes out the oldest that
    /// ended (else the oldest, its job no longer followed; `logs N` still shows it).
    static let jobTabsInAll = 16

    /// Once per sandbox, when it is current and listed running: its jobs, maybe started by an
    /// earlier console, get tabs.
    static func lookForJobs(_ state: inout UIState) -> [Effect] {
        guard let name = state.current, !state.jobsLooked.contains(name),
              state.rows.contains(where: { $0.name == name && $0.isRunning && $0.managed }) else { return [] }
        state.jobsLooked.insert(name)
        return [.findJobs(name)]
    }

    static func jobsFound(_ state: inout UIState, _ name: String, _ jobs: [SandboxJob]) -> [Effect] {
        // Jobs that ended have nothing more to follow: `jobs` lists them and `logs N` shows them.
        let running = jobs.filter { $0.state == .running }.suffix(jobTabsPerSandbox)
        let new = running.filter { job in tabIndex(state, name, job.id) == nil }
        guard !new.isEmpty else { return [] }
        say(&state, "\(name) has \(new.count == 1 ? "a background job" : "\(new.count) background jobs") running: F8 shows \(new.count == 1 ? "its" : "their") output")
        return new.flatMap { addTab(&state, name, $0.id, $0.command) }
    }

    /// A job started here (`:bg`, a demo's server): its tab is shown.
    static func jobStarted(_ state: inout UIState, _ name: String, _ id: Int, _ command: String) -> [Effect] {
        if let index = tabIndex(state, name, id) {
            state.tab = index + 1
            return []
        }
        let effects = addTab(&state, name, id, command)
        state.tab = state.jobTabs.count
        return effects
    }

    private static func addTab(_ state: inout UIState, _ name: String, _ id: Int, _ command: String) -> [Effect] {
        var effects: [Effect] = []
        if state.jobTabs.count >= jobTabsInAll {
            effects = removeTab(&state, at: state.jobTabs.firstIndex { $0.ended != nil } ?? 0)
        }
        state.jobTabs.append(JobTab(sandbox: name, id: id, command: command, log: OutputLog(limit: state.output.limit)))
        return effects + [.followJob(sandbox: name, id: id)]
    }

    /// Drops a tab, and stops following its job if it runs. The tab shown stays shown (the
    /// commands' output when it was this one).
    private static func removeTab(_ state: inout UIState, at index: Int) -> [Effect] {
        let tab = state.jobTabs.remove(at: index)
        if state.tab == index + 1 { state.tab = 0 } else if state.tab > index + 1 { state.tab -= 1 }
        return tab.ended == nil ? [.unfollowJob(sandbox: tab.sandbox, id: tab.id)] : []
    }

    /// Sandboxes no longer listed running took their jobs with them: their tabs go, and their
    /// jobs are looked for again should one of that name run again.
    static func sandboxesEnded(_ state: inout UIState, _ names: Set<String>) -> [Effect] {
        guard !names.isEmpty else { return [] }
        state.jobsLooked.subtract(names)
        var effects: [Effect] = []
        while let index = state.jobTabs.lastIndex(where: { names.contains($0.sandbox) }) { effects += removeTab(&state, at: index) }
        return effects
    }

    static func jobOutput(_ state: inout UIState, _ name: String, _ id: Int, _ text: String) {
        guard let index = tabIndex(state, name, id) else { return }
        state.jobTabs[index].log.append(text, role: .stdout)
    }

    static func jobEnded(_ state: inout UIState, _ name: String, _ id: Int, _ outcome: String) {
        guard let index = tabIndex(state, name, id) else { return }
        state.jobTabs[index].ended = outcome
        state.jobTabs[index].log.note("-- job \(id) \(outcome)", role: outcome == "exited 0" ? .header : .error)
    }

    private static func tabIndex(_ state: UIState, _ name: String, _ id: Int) -> Int? {
        state.jobTabs.firstIndex { $0.sandbox == name && $0.id == id }
    }

    /// `logs [N]`, the job found by the session: shown in its tab, opened if it has none (for a job
    /// that ended, what the sandbox kept of its output; for one that runs, followed). A tab no
    /// longer followed (its job ended, or following it failed) is read again from the start.
    static func showJob(_ state: inout UIState, _ name: String, _ id: Int) -> [Effect] {
        guard let index = tabIndex(state, name, id) else { return jobStarted(&state, name, id, "job \(id)") }
        state.tab = index + 1
        guard state.jobTabs[index].ended != nil else { return [] }
        state.jobTabs[index].ended = nil
        state.jobTabs[index].log = OutputLog(limit: state.output.limit)
        return [.followJob(sandbox: name, id: id)]
    }

    /// `x` on a job's tab: the tab goes, its job is no longer followed but keeps running.
    static func closeTab(_ state: inout UIState) -> [Effect] {
        guard state.jobTabs.indices.contains(state.tab - 1) else {
            say(&state, "x closes a background job's tab; this is the commands' output (F8 shows the jobs')")
            return []
        }
        let tab = state.jobTabs[state.tab - 1]
        let effects = removeTab(&state, at: state.tab - 1)
        // `logs N` and `kill N` act on the current sandbox: the hint says which that must be.
        let first = tab.sandbox == state.current ? "" : "use \(tab.sandbox), then "
        say(&state, "closed job \(tab.id)'s tab\(tab.ended == nil ? " (it keeps running: \(first):logs \(tab.id) reopens it, :kill \(tab.id) ends it)" : "")")
        return effects
    }

    /// F8: the output pane's next tab (after the last job's, the commands' output again).
    static func nextTab(_ state: inout UIState) -> [Effect] {
        guard !state.jobTabs.isEmpty else {
            say(&state, "no background jobs: :bg CMD starts one, and its output gets a tab here")
            return []
        }
        state.tab = (state.tab + 1) % (state.jobTabs.count + 1)
        return []
    }

    /// What the session reports about jobs, forwards and a demo's server, beyond its line of text.
    static func jobsAndForwards(_ state: inout UIState, _ event: SessionEvent) -> [Effect] {
        switch event {
        case .jobStarted(let id, let command, let sandbox): return jobStarted(&state, sandbox, id, command)
        case .jobLog(let id, let sandbox, _): return showJob(&state, sandbox, id)
        case .forwardOpened(let sandbox, let port, let local):
            state.forwards.removeAll { $0.sandbox == sandbox && $0.port == port }
            state.forwards.append(ShownForward(sandbox: sandbox, port: port, local: local))
        case .forwardClosed(let sandbox, let port):
            state.forwards.removeAll { $0.sandbox == sandbox && $0.port == port }
        case .serving(_, _, let url):
            say(&state, "demo: serving at \(url) (F8 switches between its output and the commands')")
        default: break
        }
        return []
    }

    /// A demo's sample that is a server runs as a job, its port forwarded.
    static func serveDemo(_ state: inout UIState, _ demo: Demo) -> [Effect] {
        say(&state, "demo: starting \(demo.path) as a server on port \(demo.port.map(String.init) ?? "?")...")
        return [.serve(demo)]
    }
}
