import Foundation
import SandboxCommands
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

    @Test(arguments: ["kill", "kill x", "logs -1", "port", "port -d", "port 0", "port 8000 9000", "bg", "run --bg"])
    func aMalformedOneSaysItsUsage(line: String) {
        var state = Fixture.state()
        #expect(ReducerCommandTests.enter(line, in: &state).isEmpty, "\(line)")
        #expect(state.message?.isError == true && state.message?.text.hasPrefix("usage: ") == true, "\(line): \(String(describing: state.message))")
    }

    @Test func whatTheSessionReportsShowsInTheOutput() {
        var state = Fixture.state()
        let events: [SessionEvent] = [
            .jobStarted(id: 1, command: "sleep 9", sandbox: "box"), .jobLog(id: 1, sandbox: "box", text: "served"),
            .forwardOpened(sandbox: "box", port: 8000, local: "127.0.0.1:8000"), .forwardClosed(sandbox: "box", port: 8000),
            .jobKilled(id: 1, sandbox: "box"),
        ]
        for event in events { #expect(Fixture.reduce(&state, .session(event)).isEmpty) }
        let text = state.output.lines.map { $0.map(\.text).joined() }
        #expect(text.suffix(5) == ["job 1 started in box: logs 1 shows its output, kill 1 ends it", "served",
                                   "forwarding 127.0.0.1:8000 to port 8000 in box (port -d 8000 stops)",
                                   "stopped forwarding port 8000 of box", "killed job 1 in box"], "\(text)")
        Fixture.reduce(&state, .session(.forwardProblem(sandbox: "box", port: 8000, message: "nothing accepts connections")))
        #expect(state.message?.isError == true && state.message?.text == "port 8000: nothing accepts connections")
    }
}
