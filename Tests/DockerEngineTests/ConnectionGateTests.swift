@testable import DockerEngine
import NIOCore
import Synchronization
import Testing

/// The queue in front of the daemon's connections: the state machine alone, then its waits.
struct ConnectionGateTests {
    @Test func requestsPastTheCapacityWaitAndAreServedInOrder() {
        var gate = ConnectionGateState(capacity: 2)
        do { let answer = gate.acquire(1); #expect(answer == .proceed) }
        do { let answer = gate.acquire(2); #expect(answer == .proceed) }
        do { let answer = gate.acquire(3); #expect(answer == .wait) }
        do { let answer = gate.acquire(4); #expect(answer == .wait) }
        do { let answer = gate.release(); #expect(answer == .resume(3)) }
        #expect(gate.inUse == 2)
        do { let answer = gate.release(); #expect(answer == .resume(4)) }
        do { let answer = gate.release(); #expect(answer == .none) }
        do { let answer = gate.release(); #expect(answer == .none) }
        #expect(gate.inUse == 0 && gate.waiting.isEmpty)
    }

    @Test func aNewcomerDoesNotOvertakeTheQueue() {
        var gate = ConnectionGateState(capacity: 1)
        do { let answer = gate.acquire(1); #expect(answer == .proceed) }
        do { let answer = gate.acquire(2); #expect(answer == .wait) }
        do { let answer = gate.release(); #expect(answer == .resume(2)) }
        do { let answer = gate.acquire(3); #expect(answer == .wait, "the slot went to 2, which was first") }
    }

    @Test func aWaiterThatGivesUpLeavesTheQueueButNotOneAlreadyServed() {
        var gate = ConnectionGateState(capacity: 1)
        do { let answer = gate.acquire(1); #expect(answer == .proceed) }
        do { let answer = gate.acquire(2); #expect(answer == .wait) }
        do { let answer = gate.acquire(3); #expect(answer == .wait) }
        do { let gone = gate.abandon(2); #expect(gone) }
        do { let answer = gate.release(); #expect(answer == .resume(3)) }
        do { let gone = gate.abandon(3); #expect(!gone, "3 holds a permit now: it must release it") }
        do { let answer = gate.release(); #expect(answer == .none) }
    }

    struct TimedOut: Error {}

    @Test func aWaitEndsAtItsDeadlineOrWhenCancelledAndTheNextGetsTheConnection() async throws {
        let gate = ConnectionGate(capacity: 1)
        let first = try await gate.enter(deadline: .now() + .seconds(5)) { TimedOut() }
        await #expect(throws: TimedOut.self) { _ = try await gate.enter(deadline: .now() + .milliseconds(50)) { TimedOut() } }

        let cancelled = Task { try await gate.enter(deadline: .now() + .seconds(60)) { TimedOut() } }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { _ = try await cancelled.value }

        let served = Task { try await gate.enter(deadline: .now() + .seconds(60)) { TimedOut() } }
        try await Task.sleep(for: .milliseconds(50))
        first.release()
        let second = try await served.value
        first.release()  // a second release of one permit gives nothing back
        await #expect(throws: TimedOut.self) { _ = try await gate.enter(deadline: .now() + .milliseconds(50)) { TimedOut() } }
        second.release()
        _ = try await gate.enter(deadline: .now() + .milliseconds(50)) { TimedOut() }
    }
}
