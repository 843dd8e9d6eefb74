import SandboxCommands
import SandboxKit

/// Background jobs in tabs of the output pane, forwarded ports in the list and the status line,
/// and a demo's server.
extension Reducer {
    /// The most tabs a sandbox's earlier jobs get (its newest): each tab follows its job with an exec.
    static let jobTabsPerSandbox = 8

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
        return new.flatMap { addTab(&state, jobTab(state, name, $0.id, $0.command)) }
    }

    /// A job started here (`:bg`, a demo's server): its tab is shown.
    static func jobStarted(_ state: inout UIState, _ name: String, _ id: Int, _ command: String) -> [Effect] {
        showTab(&state, jobTab(state, name, id, command))
    }

    private static func jobTab(_ state: UIState, _ name: String, _ id: Int, _ command: String) -> OutputTab {
        OutputTab(sandbox: name, kind: .job(id: id, command: command), log: OutputLog(limit: state.output.limit))
    }

    static func jobOutput(_ state: inout UIState, _ name: String, _ id: Int, _ text: String) {
        guard let index = tabIndex(state, name, id) else { return }
        state.tabs[index].log.append(text, role: .stdout)
    }

    static func jobEnded(_ state: inout UIState, _ name: String, _ id: Int, _ outcome: TabEnd) {
        guard let index = tabIndex(state, name, id) else { return }
        state.tabs[index].ended = outcome
        state.tabs[index].log.note("-- job \(id) \(outcome)", role: outcome.isSuccess ? .header : .error)
    }

    private static func tabIndex(_ state: UIState, _ name: String, _ id: Int) -> Int? {
        state.tabs.firstIndex { $0.sandbox == name && $0.job == id }
    }

    /// `logs [N]`, the job found by the session: shown in its tab, opened if it has none (for a job
    /// that ended, what the sandbox kept of its output; for one that runs, followed). A tab no
    /// longer followed (its job ended, or following it failed) is read again from the start.
    static func showJob(_ state: inout UIState, _ name: String, _ id: Int) -> [Effect] {
        // A tab open already keeps its command; one opened here has only the job's number.
        let command = state.tabs.lazy.compactMap { tab -> String? in
            guard tab.sandbox == name, case .job(id, let command) = tab.kind else { return nil }
            return command
        }.first
        return showTab(&state, jobTab(state, name, id, command ?? "job \(id)"))
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
