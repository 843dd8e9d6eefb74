import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// The egress tab through the reducer: `egress` (and `e`) opens the current sandbox's, what its
/// record holds arrives as lines, and closing it or the sandbox ending stops the poll.
@Suite struct ReducerEgressTests {
    static func lines(_ tab: OutputTab) -> [String] { tab.log.lines.map { $0.map(\.text).joined() } }

    /// In the console `egress` opens a tab that follows the record (the session's listing is the
    /// REPL's); the first read finding nothing says so once, and each poll's lines are added.
    @Test func egressOpensTheCurrentSandboxsTabAndItsLinesArrive() {
        var state = Fixture.state()
        let before = state.output.lines.count
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        #expect(state.tabs.count == 1 && state.tab == 1 && state.output.lines.count == before, "a tab, not a listing")
        Fixture.reduce(&state, .egressRecorded(sandbox: Fixture.owner, lines: []), .egressRecorded(sandbox: Fixture.owner, lines: []))
        #expect(Self.lines(state.tabs[0]) == ["nothing denied to python-3f2a is recorded yet: what it is denied shows here as it happens"])
        Fixture.reduce(&state, .egressRecorded(sandbox: Fixture.owner, lines: ["first", "second"]),
                       .egressRecorded(sandbox: "agent-77c1", lines: ["not this tab's"]), .egressRecorded(sandbox: Fixture.owner, lines: ["third"]))
        #expect(Self.lines(state.tabs[0]).dropFirst() == ["first", "second", "third"])
        #expect(state.tabs[0].kind == .egress(denied: 3) && state.tabs[0].ended == nil)

        state.tab = 0
        #expect(ReducerCommandTests.enter("egress", in: &state).isEmpty && state.tab == 1, "followed already: shown")
        #expect(state.tabs.count == 1 && Self.lines(state.tabs[0]).count == 4)
    }

    /// A sandbox that is not running has no more to follow: the session lists its record.
    @Test func aSandboxNotRunningIsListed() {
        var state = Fixture.state()
        state.current = "old-box"
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.perform(.egress)])
        #expect(state.tabs.isEmpty && state.tab == 0)
    }

    /// An open network denies nothing and no network has nothing to deny: the tab says so and
    /// nothing is polled.
    @Test(arguments: [
        (Isolation.open, "python-3f2a's network is open (the engine at tcp://10.0.0.9:2376 is reached over the network): nothing is denied to it, so nothing is recorded",
         "network open"),
        (.offline, "python-3f2a has no network: there is nothing to deny it, so nothing is recorded", "no network"),
    ])
    func aNetworkThatRecordsNothingSaysSo(isolation: Isolation, line: String, ended: String) {
        var state = Fixture.state()
        state.sandboxes[0].isolation = isolation
        state.sandboxes[0].openReason = isolation == .open ? "the engine at tcp://10.0.0.9:2376 is reached over the network" : nil
        #expect(ReducerCommandTests.enter("egress", in: &state).isEmpty)
        #expect(state.tabs.count == 1 && state.tab == 1 && state.tabs[0].ended?.description == ended)
        #expect(Self.lines(state.tabs[0]) == [line])
        #expect(Screen.outputTitle(state) == "output [egress python-3f2a] (F8) - 0 denied, \(ended)")
        state.focus = .output
        #expect(Fixture.reduce(&state, .key(.char("x"))).isEmpty, "nothing to stop")
    }

    /// A record that could not be read ends its tab's following; `egress` again reads it afresh.
    @Test func aTabThatCouldNotFollowIsReadAgain() {
        var state = Fixture.state()
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        Fixture.reduce(&state, .egressRecorded(sandbox: Fixture.owner, lines: ["first"]),
                       .egressEnded(sandbox: Fixture.owner, outcome: .notFollowed("no such sandbox")))
        #expect(state.tabs[0].ended == .notFollowed("no such sandbox"))
        #expect(Self.lines(state.tabs[0]) == ["first", "-- not followed: no such sandbox (:egress tries again)"])
        #expect(Screen.outputTitle(state) == "output [egress python-3f2a] (F8) - 1 denied, not followed: no such sandbox")
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        #expect(state.tabs.count == 1 && state.tabs[0].kind == .egress(denied: 0) && state.tabs[0].ended == nil && state.tabs[0].log.lines.isEmpty)
    }

    /// `x` closes the tab and stops its poll; a sandbox no longer running takes its tab along.
    @Test func closingTheTabOrItsSandboxEndingStopsThePoll() {
        var state = Fixture.state(focus: .output)
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        #expect(Fixture.reduce(&state, .key(.char("x"))) == [.unfollowEgress(Fixture.owner)])
        #expect(state.tabs.isEmpty && state.tab == 0 && state.message?.text == "closed the egress tab of python-3f2a (:egress reopens it)")

        // Beside a job's tab, F8 goes through both.
        Fixture.reduce(&state, .session(.jobStarted(id: 1, command: "serve", sandbox: Fixture.owner)))
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        #expect(state.tabs.map(\.job) == [1, nil] && state.tab == 2)
        #expect(Screen.outputTitle(state) == "output job 1 [egress python-3f2a] (F8) - 0 denied so far")
        #expect((0..<3).map { _ in
            Fixture.reduce(&state, .key(.function(8)))
            return state.tab
        } == [0, 1, 2])

        let listed = state.sandboxes
        let effects = Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(listed.filter { $0.name != Fixture.owner })))
        #expect(effects.contains(.unfollowEgress(Fixture.owner)) && effects.contains(.unfollowJob(sandbox: Fixture.owner, id: 1)))
        #expect(state.tabs.isEmpty && state.tab == 0)
    }

    /// Closing another sandbox's tab says to use it first: `egress` acts on the current one.
    @Test func closingAnotherSandboxsTabSaysWhichToUse() {
        var state = Fixture.state(focus: .output)
        #expect(ReducerCommandTests.enter("egress", in: &state) == [.followEgress(Fixture.owner)])
        state.current = "agent-77c1"
        Fixture.reduce(&state, .key(.char("x")))
        #expect(state.message?.text == "closed the egress tab of python-3f2a (use python-3f2a, then :egress reopens it)")
    }
}
