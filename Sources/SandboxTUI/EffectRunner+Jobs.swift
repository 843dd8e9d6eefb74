import SandboxKit

/// Background jobs' tabs: each followed job is a long-running effect (slot `.job(sandbox, id)`)
/// reading the runner's `logs -f`, which starts with what the sandbox kept. `name` is as the list
/// names it: `NAME@CONTEXT` on another engine.
extension EffectRunner {
    func findJobs(_ name: String) {
        let (engines, inbox) = (session.engines, inbox)
        spawn {
            // A sandbox that stopped meanwhile, or cannot use the runner, has no jobs to show:
            // nothing to say about it.
            guard let jobs = try? await engines.sandbox(named: name).sandbox.jobs(), !jobs.isEmpty else { return }
            inbox.yield(.jobsFound(sandbox: name, jobs))
        }
    }

    func followJob(_ name: String, _ id: Int) {
        let (engines, inbox) = (session.engines, inbox)
        start(.job(name, id)) { [weak self] in
            let outcome: TabEnd
            do {
                let sandbox = try await engines.sandbox(named: name).sandbox
                for try await text in sandbox.followJob(id) { self?.queueJobOutput(name, id, text) }
                guard !Task.isCancelled else { return }
                outcome = .job(try? await sandbox.jobs().first { $0.id == id }?.state)
            } catch {
                guard !Task.isCancelled else { return }
                outcome = .notFollowed("\(error)")
            }
            // What is still held back goes before the end; the slot is free for the next follower.
            if let held = self?.jobBacklog[.job(name, id)], !held.isEmpty {
                self?.jobBacklog[.job(name, id)] = ""
                inbox.yield(.jobOutput(sandbox: name, id: id, text: held))
            }
            inbox.yield(.jobEnded(sandbox: name, id: id, outcome: outcome))
            self?.stop(.job(name, id))
        }
    }

    func unfollowJob(_ name: String, _ id: Int) {
        stop(.job(name, id))
        if jobBacklog[.job(name, id)] != nil { jobBacklog[.job(name, id)] = "" }  // its tab is gone
    }

    /// A followed job's output, batched: while its last event waits in the inbox, more is held
    /// here and goes as one event when that one is taken (``jobOutputTaken(_:_:)``), so a job
    /// printing fast is a few large events, not a flood of small ones for the main actor.
    func queueJobOutput(_ name: String, _ id: Int, _ text: String) {
        if jobBacklog[.job(name, id)] != nil {
            jobBacklog[.job(name, id)]?.append(text)
        } else {
            jobBacklog[.job(name, id)] = ""
            inbox.yield(.jobOutput(sandbox: name, id: id, text: text))
        }
    }

    /// The inbox handed a job's output to the store: what was held back meanwhile follows.
    func jobOutputTaken(_ name: String, _ id: Int) {
        guard let held = jobBacklog.removeValue(forKey: .job(name, id)), !held.isEmpty else { return }
        jobBacklog[.job(name, id)] = ""
        inbox.yield(.jobOutput(sandbox: name, id: id, text: held))
    }
}
