import Testing
@testable import SandboxKit

/// How a command through the runner ends, without Docker: answers, give-ups and waits by hand.
@Suite struct ExecOutcomeStateTests {
    static let done = Result<Void, RunnerSessionLost>.success(())
    static let lost = Result<Void, RunnerSessionLost>.failure(RunnerSessionLost(reason: "the runner ended"))

    @Test func anExitIsTheVerdict() {
        var state = ExecOutcomeState()
        state.answered(.started(pid: 7))
        state.answered(.exit(status: 3, truncated: true))
        let rewait1 = state.shouldRewait(after: Self.done, cancelled: false)
        #expect(!rewait1)
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: .seconds(5), duration: .seconds(1))
                == .exited(status: 3, truncated: true, mayBeOutOfMemory: false))
    }

    @Test func a124IsATimeoutOnlyPastTheTimeout() {
        var state = ExecOutcomeState()
        state.answered(.exit(status: 124, truncated: false))
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: .seconds(2), duration: .seconds(2)) == .timedOut(truncated: false))
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: .seconds(2), duration: .seconds(1))
                == .exited(status: 124, truncated: false, mayBeOutOfMemory: false), "a command may exit 124 itself")
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .seconds(9))
                == .exited(status: 124, truncated: false, mayBeOutOfMemory: false))
    }

    @Test func a137MayBeOutOfMemory() {
        var state = ExecOutcomeState()
        state.answered(.exit(status: 137, truncated: false))
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero) == .exited(status: 137, truncated: false, mayBeOutOfMemory: true))
    }

    @Test func aRunnerThatCouldNotStartIt() {
        var noShell = ExecOutcomeState()
        noShell.answered(.error(code: RunnerAnswer.noProgram, message: "sh: not found"))
        #expect(noShell.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero) == .noProgram)
        var other = ExecOutcomeState()
        other.answered(.error(code: 12, message: "out of memory"))
        #expect(other.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero) == .couldNotStart("out of memory"))
    }

    /// A runner that says the command is done without saying how (a hostile one): not believed.
    @Test func noExitIsNoVerdict() {
        var state = ExecOutcomeState()
        state.answered(.ok)
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero) == .noExit)
    }

    /// Its runner killed from inside: the command is looked for in new sessions, three times at most.
    @Test func aLostSessionIsRewaitedThenGivenUp() {
        var state = ExecOutcomeState()
        for attempt in 1...ExecOutcomeState.rewaits {
            let rewait2 = state.shouldRewait(after: Self.lost, cancelled: false)
            #expect(rewait2)
            #expect(state.phase == .rewaiting(attempt: attempt))
        }
        let rewait3 = state.shouldRewait(after: Self.lost, cancelled: false)
        #expect(!rewait3)
        #expect(state.verdict(after: Self.lost, cancelled: false, timeout: .seconds(10), duration: .seconds(1))
                == .lost("the runner ended", pastTimeout: false))
        #expect(state.verdict(after: Self.lost, cancelled: false, timeout: .seconds(1), duration: .seconds(1))
                == .lost("the runner ended", pastTimeout: true), "past its timeout: ended from outside, then a timeout")
    }

    @Test func aRewaitFindsTheCommandAndItsExit() {
        var state = ExecOutcomeState()
        let rewait4 = state.shouldRewait(after: Self.lost, cancelled: false)
        #expect(rewait4)
        state.answered(.exit(status: 0, truncated: false))
        let rewait5 = state.shouldRewait(after: Self.done, cancelled: false)
        #expect(!rewait5)
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero) == .exited(status: 0, truncated: false, mayBeOutOfMemory: false))
    }

    /// A new session that does not know the command (its runner's init restarted too): lost, and not tried again.
    @Test func aRewaitRefusedIsLost() {
        var state = ExecOutcomeState()
        let rewait6 = state.shouldRewait(after: Self.lost, cancelled: false)
        #expect(rewait6)
        state.answered(.error(code: 1, message: "no such command"))
        let rewait7 = state.shouldRewait(after: Self.done, cancelled: false)
        #expect(!rewait7)
        #expect(state.verdict(after: Self.done, cancelled: false, timeout: nil, duration: .zero)
                == .lost("the runner's session ended and the command was not found again", pastTimeout: false))
    }

    /// Given up from outside (the runner stopped answering): a timeout, and no re-wait.
    @Test func anAbandonedCommandTimedOut() {
        var state = ExecOutcomeState()
        state.abandon()
        let rewait8 = state.shouldRewait(after: Self.lost, cancelled: false)
        #expect(!rewait8)
        #expect(state.verdict(after: Self.lost, cancelled: false, timeout: .seconds(1), duration: .seconds(3)) == .timedOut(truncated: false))
    }

    @Test func aCancelWinsAndIsNotRewaited() {
        var state = ExecOutcomeState()
        state.answered(.exit(status: 0, truncated: false))
        let rewait9 = state.shouldRewait(after: Self.lost, cancelled: true)
        #expect(!rewait9)
        #expect(state.verdict(after: Self.done, cancelled: true, timeout: nil, duration: .zero) == .cancelled)
    }
}
