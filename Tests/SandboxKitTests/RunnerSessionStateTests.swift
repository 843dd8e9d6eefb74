import Synchronization
import Testing
@testable import SandboxKit

/// The runner session's state machine without Docker or a runner: every event by hand, including
/// what the hostile suites found (a killed runner, a malformed frame, a silent one, answers to ids
/// never sent, answers after the last).
@Suite(.timeLimit(.minutes(1))) struct RunnerSessionStateTests {
    /// A machine behind a lock, as ``RunnerSession`` holds it, so continuations can be made and kept.
    final class Machine: Sendable {
        let state = Mutex(RunnerSessionState())
        func callAsFunction<T, E: Error>(_ event: (inout RunnerSessionState) throws(E) -> sending T) throws(E) -> sending T {
            try state.withLock { state throws(E) in try event(&state) }
        }
    }

    static func succeeded<E>(_ result: Result<Void, E>?) -> Bool { if case .success? = result { true } else { false } }
    static func failure<E>(_ result: Result<Void, E>?) -> E? { if case .failure(let error)? = result { error } else { nil } }

    static func greeted() -> Machine {
        let machine = Machine()
        _ = machine { $0.attached() }
        _ = machine { $0.hello(RunnerBinary.version, expected: RunnerBinary.version) }
        return machine
    }

    @Test func opensOnAttachThenGreeting() async {
        let machine = Machine()
        let attached = await withCheckedContinuation { continuation in
            #expect(machine { $0.awaitAttached(continuation) } .map { _ in true } == nil, "kept until attached")
            machine { $0.attached() }?.resume(returning: .success(()))
        }
        #expect(Self.succeeded(attached) && machine { $0.phase } == .attached)
        let greeted = await withCheckedContinuation { continuation in
            #expect(machine { $0.awaitHello(continuation) }.map { _ in true } == nil)
            let (waiter, result) = machine { $0.hello("\(RunnerBinary.version) no-subreaper", expected: RunnerBinary.version) }
            waiter?.resume(returning: result)
        }
        #expect(Self.succeeded(greeted) && machine { $0.phase } == .serving(noSubreaper: true))
        let now = await withCheckedContinuation { continuation in
            let now = machine { $0.awaitHello(continuation) }
            continuation.resume(returning: now ?? .failure(RunnerUnavailable(reason: "kept")))
        }
        #expect(Self.succeeded(now), "a greeting already heard answers at once")
    }

    @Test func anotherVersionIsRefusedAndNotServed() {
        let machine = Machine()
        _ = machine { $0.attached() }
        let (_, result) = machine { $0.hello("0.1-old", expected: RunnerBinary.version) }
        guard case .failure(let unavailable) = result else { Issue.record("accepted"); return }
        #expect(unavailable.reason.contains("version 0.1-old") && machine { $0.phase } == .attached)
        // The version a hostile runner says is cut and made safe before it reaches a message.
        let (_, hostile) = machine { $0.hello("\u{1B}]0;pwned\u{07}" + String(repeating: "x", count: 100), expected: RunnerBinary.version) }
        guard case .failure(let said) = hostile else { Issue.record("accepted"); return }
        #expect(!said.reason.contains("\u{1B}") && said.reason.count < 160)
    }

    @Test func idsAreNeverInUseNeverZeroAndWrap() throws {
        var state = RunnerSessionState()
        _ = state.attached()
        #expect(try [state.register { _ in }, state.register { _ in }, state.register { _ in }] == [1, 2, 3])
        // Come around to ids still in use: they are skipped.
        state.nextID = 2
        #expect(try state.register { _ in } == 4)
        // Past the largest id: 1 next (0 is the session's own), unless it is in use.
        state.nextID = UInt32.max
        #expect(try state.register { _ in } == UInt32.max)
        #expect(try state.register { _ in } == 5, "1 to 4 are in use")
        state.unregister(1)
        state.nextID = UInt32.max
        #expect(try state.register { _ in } == 1, "max is in use; 1 is free again")
    }

    @Test func answersGoToTheirRequestAndTheLastEndsIt() async throws {
        let machine = Self.greeted()
        let seen = Mutex<[RunnerAnswer]>([])
        let id = try machine { state throws(RunnerSessionLost) in try state.register { answer in seen.withLock { $0.append(answer) } } }
        // Answers before anyone waits: the outcome is kept.
        machine { $0.answered(id) }?(.ok)
        #expect(machine { $0.isWaiting(id) })
        machine { $0.answered(id) }?(.pong)
        #expect(machine { $0.finish(id, .success(())) } == nil, "nobody waits yet")
        let outcome = await withCheckedContinuation { continuation in
            continuation.resume(returning: machine { $0.wait(id, continuation) } ?? .failure(RunnerSessionLost(reason: "kept")))
        }
        #expect(Self.succeeded(outcome) && seen.withLock { $0 } == [.ok, .pong])
        // After the last: answers to it, and to ids never sent, reach nobody.
        #expect(machine { $0.answered(id) } == nil)
        #expect(machine { $0.answered(999) } == nil)
        #expect(!machine { $0.isWaiting(id) })
    }

    /// The last answer is handled before its request finishes: a waiter that comes in between
    /// waits, and then finds what the handler recorded (a write's error, say), never a bare success.
    @Test func aWaiterBetweenTheLastAnswerAndItsHandlingWaits() async throws {
        let machine = Self.greeted()
        let failure = Mutex<String?>(nil)
        let id = try machine { state throws(RunnerSessionLost) in
            try state.register { answer in if case .error(_, let message) = answer { failure.withLock { $0 = message } } }
        }
        let handler = machine { $0.answered(id) }
        let outcome = await withCheckedContinuation { continuation in
            #expect(machine { $0.wait(id, continuation) }.map { _ in true } == nil, "not finished yet: it waits")
            handler?(.error(code: 30, message: "read-only file system"))
            machine { $0.finish(id, .success(())) }?.resume(returning: .success(()))
        }
        #expect(Self.succeeded(outcome) && failure.withLock { $0 } == "read-only file system")
    }

    @Test func aWaiterIsResumedByTheLastAnswer() async throws {
        let machine = Self.greeted()
        let id = try machine { state throws(RunnerSessionLost) in try state.register { _ in } }
        let outcome = await withCheckedContinuation { continuation in
            #expect(machine { $0.wait(id, continuation) }.map { _ in true } == nil)
            machine { $0.answered(id) }?(.ok)
            machine { $0.finish(id, .success(())) }?.resume(returning: .success(()))
        }
        #expect(Self.succeeded(outcome))
    }

    /// A killed runner, or a connection that broke: every waiter fails with the reason, the first
    /// reason stays, and nothing more is accepted.
    @Test func theEndFailsEveryWaiterOnce() async throws {
        let machine = Self.greeted()
        let waiting = try machine { state throws(RunnerSessionLost) in try state.register { _ in } }
        let answeredEarly = try machine { state throws(RunnerSessionLost) in try state.register { _ in } }
        let outcome = await withCheckedContinuation { continuation in
            #expect(machine { $0.wait(waiting, continuation) }.map { _ in true } == nil)
            let ending = machine { $0.end("the runner ended") }
            #expect(ending.first && ending.finished.count == 1 && ending.opened.isEmpty)
            for waiter in ending.finished { waiter.resume(returning: .failure(RunnerSessionLost(reason: ending.reason))) }
        }
        #expect(Self.failure(outcome)?.reason == "the runner ended")
        let kept = await withCheckedContinuation { continuation in
            continuation.resume(returning: machine { $0.wait(answeredEarly, continuation) } ?? .success(()))
        }
        #expect(Self.failure(kept)?.reason == "the runner ended", "the outcome was kept for the one not yet waiting")
        let again = machine { $0.end("something else") }
        #expect(!again.first && again.reason == "the runner ended" && again.finished.isEmpty)
        #expect(throws: RunnerSessionLost(reason: "the runner ended")) { try machine { state throws(RunnerSessionLost) in try state.register { _ in } } }
        #expect(machine { $0.phase } == .ended(reason: "the runner ended", greeted: true))
    }

    @Test func anEndBeforeTheGreetingFailsTheOpening() async {
        let machine = Machine()
        let opened = await withCheckedContinuation { continuation in
            #expect(machine { $0.awaitAttached(continuation) }.map { _ in true } == nil)
            let ending = machine { $0.end("the connection to the runner failed") }
            for waiter in ending.opened { waiter.resume(returning: .failure(RunnerUnavailable(reason: ending.reason))) }
        }
        #expect(Self.failure(opened)?.reason == "the connection to the runner failed")
        #expect(machine { $0.phase } == .ended(reason: "the connection to the runner failed", greeted: false))
    }

    /// A malformed frame: before the greeting the runner could not start; after it, it broke the protocol.
    @Test func aMalformedFrameIsNamedByWhenItCame() {
        struct Garbage: Error, CustomStringConvertible { var description: String { "bad frame type 99" } }
        #expect(RunnerSessionState().protocolBroken(Garbage()) == "the runner could not start: bad frame type 99")
        let greeted = Self.greeted()
        #expect(greeted { $0.protocolBroken(Garbage()) } == "the runner broke the protocol (bad frame type 99)")
    }

    /// A silent runner (stopped, or fed half a frame from inside) is pinged, then given up.
    @Test func aSilentRunnerIsPingedThenGivenUp() {
        var state = RunnerSessionState()
        _ = state.attached()
        _ = state.hello(RunnerBinary.version, expected: RunnerBinary.version)
        #expect(state.watchTick() == .quiet, "the greeting was heard")
        #expect(state.watchTick() == .ping)
        _ = state.answered(0)  // the pong, to the session's own id
        #expect(state.watchTick() == .quiet)
        #expect(state.watchTick() == .ping)
        #expect(state.watchTick() == .giveUp)
        _ = state.end("given up")
        #expect(state.watchTick() == .stop)
    }

    @Test func handOffsEndWithTheSession() async {
        let machine = Self.greeted()
        let handed = await withCheckedContinuation { continuation in
            let ticket = machine { $0.awaitHandOff(continuation) }
            #expect(ticket != nil)
            for waiter in machine({ $0.end("closed") }).handOffs { waiter.resume(returning: false) }
        }
        #expect(!handed)
        let after = await withCheckedContinuation { continuation in
            #expect(machine { $0.awaitHandOff(continuation) } == nil, "none taken once ended")
            continuation.resume(returning: true)
        }
        #expect(after)
    }
}
