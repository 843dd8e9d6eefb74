import Foundation
@testable import SandboxCommands
import SandboxKit
import Testing
@testable import SandboxTUI

/// The job and port commands on the console's command line, and what the session reports back.
@Suite struct ReducerJobCommandTests {
    @Test(arguments: [
        ("bg python3 -m http.server", Effect.perform(.bg("python3 -m http.server"))),
        ("run --bg sleep 9", .perform(.bg("sleep 9"))), ("jobs", .perform(.jobs)), ("kill 2", .perform(.kill(2))),
        ("logs", .perform(.logs(nil))), ("logs 3", .perform(.logs(3))),
        ("port 8000", .perform(.port(8000, close: false))), ("port -d 8000", .perform(.port(8000, close: true))),
    ])
    func aJobOrPortCommandAsksTheSession(line: String, effect: Effect) {
        var state = Fixture.state()
        #expect(ReducerCommandTests.enter(line, in: &state) == [effect], "\(line)")
    }

    /// `logs [N]`: the session finds the job (in the current sandbox, once a pick under way is
    /// done), and its report opens the job's tab instead of printing into the commands' output;
    /// a tab no longer followed is read again.
    @Test func theSessionsJobLogOpensTheJobsTab() {
        var state = Fixture.state()
        let before = state.output.lines.count
        #expect(Fixture.reduce(&state, .session(.jobLog(id: 3, sandbox: "box", text: "kept\n"))) == [.followJob(sandbox: "box", id: 3)])
        #expect(state.tabs.map(\.job) == [3] && state.tabs[0].kind == .job(id: 3, command: "job 3") && state.tab == 1)
        #expect(state.output.lines.count == before, "the tab shows it, read from the runner")
        state.tab = 0
        #expect(Fixture.reduce(&state, .session(.jobLog(id: 3, sandbox: "box", text: ""))).isEmpty && state.tab == 1, "followed already")
        Fixture.reduce(&state, .jobOutput(sandbox: "box", id: 3, text: "kept\n"), .jobEnded(sandbox: "box", id: 3, outcome: .job(.exited(0))))
        #expect(Fixture.reduce(&state, .session(.jobLog(id: 3, sandbox: "box", text: ""))) == [.followJob(sandbox: "box", id: 3)])
        #expect(state.tabs[0].ended == nil && state.tabs[0].log.lines.isEmpty, "read again from the start")
    }

    @Test(arguments: ["kill", "kill x", "logs -1", "port", "port -d", "port 0", "port 8000 9000", "bg", "run --bg"])
    func aMalformedOneSaysItsUsage(line: String) {
        var state = Fixture.state()
        #expect(ReducerCommandTests.enter(line, in: &state).isEmpty, "\(line)")
        #expect(state.message?.isError == true && state.message?.text.hasPrefix("usage: ") == true, "\(line): \(String(describing: state.message))")
    }

    @Test func whatTheSessionReportsShowsInTheOutput() {
        var state = Fixture.state()
        let events: [SessionEvent] = [
            .jobStarted(id: 1, command: "sleep 9", sandbox: "box"),
            .forwardOpened(sandbox: "box", port: 8000, local: "127.0.0.1:8000"), .forwardClosed(sandbox: "box", port: 8000),
            .jobKilled(id: 1, sandbox: "box"),
        ]
        let effects = events.flatMap { Fixture.reduce(&state, .session($0)) }
        #expect(effects == [.followJob(sandbox: "box", id: 1)], "a started job is followed into its tab")
        let text = state.output.lines.map { $0.map(\.text).joined() }
        #expect(text.suffix(4) == ["job 1 started in box: logs 1 shows its output, kill 1 ends it",
                                   "forwarding 127.0.0.1:8000 to port 8000 in box (port -d 8000 stops)",
                                   "stopped forwarding port 8000 of box", "killed job 1 in box"], "\(text)")
        Fixture.reduce(&state, .session(.forwardProblem(sandbox: "box", port: 8000, message: "nothing accepts connections")))
        #expect(state.message?.isError == true && state.message?.text == "port 8000: nothing accepts connections")
    }

    /// A job's output goes to its own tab, shown when the job starts here, and keeps coming
    /// whatever the keys do meanwhile (the editor in use); the commands' output stays apart.
    @Test func aJobsOutputGoesToItsTabWhileTheEditorIsUsed() {
        var state = Fixture.state(focus: .editor)
        let before = state.output.lines.count
        #expect(Fixture.reduce(&state, .session(.jobStarted(id: 3, command: "python3 -m http.server", sandbox: Fixture.owner)))
                == [.followJob(sandbox: Fixture.owner, id: 3)])
        #expect(state.tab == 1 && state.tabs.map(\.job) == [3])
        for (index, key) in [Key.char("x"), .char("y"), .enter, .char("z")].enumerated() {
            Fixture.reduce(&state, .jobOutput(sandbox: Fixture.owner, id: 3, text: "tick \(index)\n"))
            Fixture.reduce(&state, .key(key))
        }
        #expect(state.editor?.text == "xy\nzabc\ndef\n", "the keys went to the editor")
        #expect(state.tabs[0].log.lines.map { $0.map(\.text).joined() } == ["tick 0", "tick 1", "tick 2", "tick 3"])
        #expect(state.output.lines.count == before + 1, "only the job's start is noted in the commands' output")
        Fixture.reduce(&state, .jobOutput(sandbox: "other", id: 3, text: "not ours\n"), .jobEnded(sandbox: Fixture.owner, id: 3, outcome: .job(.exited(0))))
        #expect(state.tabs[0].ended == .job(.exited(0)) && state.tabs[0].log.lines.last?.first?.text == "-- job 3 exited 0")

        let screen = Screen.render(state, width: 160, height: 30).text
        #expect(screen.contains("output [job 3] (F8) - exited 0 in \(Fixture.owner): python3 -m http.server"), "\(screen)")
        #expect(screen.contains("tick 3") && !screen.contains("line 59"), "the job's tab is shown:\n\(screen)")
        // Running a command shows the commands' output again.
        state.focus = .list
        #expect(Fixture.reduce(&state, .key(.function(5))).first.map { if case .save = $0 { true } else { false } } == true)
        Fixture.reduce(&state, .saved(Save(sandbox: Fixture.owner, path: Fixture.path, text: state.editor!.text, thenRun: true)))
        #expect(state.tab == 0)
    }

    /// The output pane's keys scroll and search the tab shown.
    @Test func theOutputKeysActOnTheShownTab() {
        var state = Fixture.state(focus: .output)
        Fixture.reduce(&state, .session(.jobStarted(id: 1, command: "seq", sandbox: Fixture.owner)))
        Fixture.reduce(&state, .jobOutput(sandbox: Fixture.owner, id: 1, text: (0..<100).map { "n\($0)\n" }.joined()))
        Fixture.reduce(&state, .key(.char("g")))
        #expect(!state.tabs[0].log.following && state.output.following)
        #expect(Screen.render(state, width: 160, height: 30).text.contains("output [job 1] (F8) - scrolled (End follows) - running in \(Fixture.owner): seq"))
        Fixture.reduce(&state, .key(.char("G")), .key(.char("/")), .lineEntered("n42"))
        #expect(state.message?.text.hasPrefix("/n42") == true && !state.tabs[0].log.following)
        #expect(state.tabs[0].log.visible(height: state.outputHeight).contains { $0.first?.text == "n42" })
    }

    /// A console started later: the current sandbox's jobs are looked for once, and each found
    /// running (the newest few) gets a tab following it from the output its sandbox kept.
    @Test func jobsOfTheCurrentSandboxAreFoundOnceAndFollowed() {
        var state = Fixture.state()
        #expect(Fixture.reduce(&state, .performed(current: Fixture.owner)) == [.refreshList, .findJobs(Fixture.owner)])
        #expect(Fixture.reduce(&state, .performed(current: Fixture.owner)) == [.refreshList], "once per sandbox")
        #expect(Fixture.reduce(&state, .performed(current: "old-box")) == [.refreshList], "a stopped sandbox has no runner to ask")
        let jobs = (1...12).map { SandboxJob(id: $0, state: [1, 5].contains($0) ? .exited(0) : .running, pid: 7, started: Date(), command: "job\($0)") }
        Fixture.reduce(&state, .session(.jobStarted(id: 10, command: "job10", sandbox: Fixture.owner)))
        state.tab = 0
        let effects = Fixture.reduce(&state, .jobsFound(sandbox: Fixture.owner, jobs))
        #expect(effects == [4, 6, 7, 8, 9, 11, 12].map { .followJob(sandbox: Fixture.owner, id: $0) },
                "the newest 8 running, the one followed already left out")
        #expect(state.tabs.map(\.job) == [10, 4, 6, 7, 8, 9, 11, 12] && state.tab == 0)
        #expect(state.message?.text == "\(Fixture.owner) has 7 background jobs running: F8 shows their output")
        #expect(Fixture.reduce(&state, .jobsFound(sandbox: "agent-77c1", [SandboxJob(id: 1, state: .lost, pid: 7, started: Date(), command: "x")])).isEmpty,
                "a job that ended gets no tab")
    }

    /// Tabs are capped in all: a new one pushes out the oldest that ended, else the oldest,
    /// whose job is no longer followed; the tab shown stays shown.
    @Test func tabsAreCappedOldestEndedFirst() {
        var state = Fixture.state()
        for id in 1...Reducer.tabsInAll {
            Fixture.reduce(&state, .session(.jobStarted(id: id, command: "job\(id)", sandbox: Fixture.owner)))
        }
        Fixture.reduce(&state, .jobEnded(sandbox: Fixture.owner, id: 3, outcome: .job(.exited(0))))
        state.tab = 5  // job 5
        #expect(Fixture.reduce(&state, .session(.jobStarted(id: 100, command: "more", sandbox: Fixture.owner))) == [.followJob(sandbox: Fixture.owner, id: 100)])
        #expect(state.tabs.count == Reducer.tabsInAll && !state.tabs.contains { $0.job == 3 }, "the ended one went")
        #expect(state.tab == state.tabs.count, "the new job's tab is shown")
        state.tab = 2  // job 2
        #expect(Fixture.reduce(&state, .session(.jobStarted(id: 101, command: "more", sandbox: Fixture.owner)))
                == [.unfollowJob(sandbox: Fixture.owner, id: 1), .followJob(sandbox: Fixture.owner, id: 101)])
        #expect(state.tabs.count == Reducer.tabsInAll && state.tabs.first?.job == 2)
        state.tab = 1
        Fixture.reduce(&state, .jobsFound(sandbox: "agent-77c1", [SandboxJob(id: 7, state: .running, pid: 7, started: Date(), command: "x")]))
        #expect(state.tabs.first?.job == 4 && state.tab == 0, "the tab shown went: the commands' output is shown")
    }

    /// A sandbox no longer listed running took its jobs along: their tabs go (their followers
    /// stop), and its jobs are looked for again when one of that name runs again.
    @Test func tabsOfASandboxThatEndedGo() {
        var state = Fixture.state()
        let listed = state.sandboxes
        #expect(Fixture.reduce(&state, .performed(current: Fixture.owner)).contains(.findJobs(Fixture.owner)))
        Fixture.reduce(&state, .session(.jobStarted(id: 1, command: "serve", sandbox: Fixture.owner)),
                       .session(.jobStarted(id: 2, command: "watch", sandbox: Fixture.owner)),
                       .session(.jobStarted(id: 1, command: "agent", sandbox: "agent-77c1")),
                       .jobEnded(sandbox: Fixture.owner, id: 2, outcome: .job(.exited(0))))
        let effects = Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(listed.filter { $0.name != Fixture.owner })))
        #expect(effects.filter { if case .unfollowJob = $0 { true } else { false } } == [.unfollowJob(sandbox: Fixture.owner, id: 1)])
        #expect(state.tabs.map(\.sandbox) == ["agent-77c1"] && state.tab == 1, "the other sandbox's tab is still shown")
        #expect(Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(listed))).contains(.findJobs(Fixture.owner)),
                "the current sandbox runs again: its jobs are looked for again")
    }

    /// Forwards show on their sandbox's row and in the status line.
    @Test func forwardsShowInTheListAndTheStatusLine() {
        var state = Fixture.state()
        Fixture.reduce(&state, .session(.forwardOpened(sandbox: Fixture.owner, port: 8000, local: "127.0.0.1:43121")),
                       .session(.forwardOpened(sandbox: "agent-77c1", port: 5000, local: "127.0.0.1:5000")))
        var lines = Screen.render(state, width: 120, height: 30).text.split(separator: "\n").map(String.init)
        #expect(lines.last?.contains(":8000→127.0.0.1:43121 agent-77c1:5000→127.0.0.1:5000") == true, "\(lines.last ?? "")")
        #expect(lines.contains { $0.contains("port 8000 · tui") } && lines.contains { $0.contains("port 5000 · agent") }, "\(lines)")
        Fixture.reduce(&state, .session(.forwardClosed(sandbox: Fixture.owner, port: 8000)))
        state.ascii = true
        lines = Screen.render(state, width: 120, height: 30).text.split(separator: "\n").map(String.init)
        #expect(lines.last?.contains("agent-77c1:5000->127.0.0.1:5000") == true && !lines.contains { $0.contains("port 8000 ·") || $0.contains(":8000->") }, "\(lines)")
    }

    /// A demo whose sample is a server runs it as a job with its port forwarded; the URL is said.
    @Test func aServerDemoStartsAJobAndSaysTheURL() {
        var state = Fixture.state()
        let demo = Demo(sandbox: "web-1", path: "/workspace/main.py", text: "serve()\n", command: "python /workspace/main.py", port: 8000)
        #expect(Fixture.reduce(&state, .demoReady(demo)) == [.refreshList, .serve(demo)])
        #expect(state.editorPath == demo.path && state.running == nil && state.message?.text.contains("as a server on port 8000") == true)
        Fixture.reduce(&state, .session(.serving(sandbox: "web-1", job: 1, url: "http://127.0.0.1:8000/")))
        #expect(state.message?.text.hasPrefix("demo: serving at http://127.0.0.1:8000/") == true)
        #expect(state.output.lines.last?.first?.text.contains("http://127.0.0.1:8000/ serves the sample (job 1 in web-1") == true)
    }
}
