import NIOCore
import Synchronization

/// How many requests may hold a connection to the daemon at once, and the queue of those waiting.
///
/// AsyncHTTPClient queues a request that finds every connection busy, but gives it only the
/// connect timeout (3 s) to get one, then fails it as if the daemon were gone: 100 sandboxes made
/// at once lost a quarter of their starts that way. Requests wait here instead, in order, for as
/// long as their own deadline allows, and a permit is held until the answer's body has been read
/// (that is when the connection goes back to the pool), so the pool itself never queues.
struct ConnectionGateState: Sendable {
    typealias Waiter = UInt64
    enum Acquire: Equatable { case proceed, wait }
    enum Leave: Equatable { case none, resume(Waiter) }

    let capacity: Int
    private(set) var inUse = 0
    private(set) var waiting: [Waiter] = []

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// A request wants a connection: it proceeds if one is free and nobody is queued before it.
    mutating func acquire(_ waiter: Waiter) -> Acquire {
        if inUse < capacity && waiting.isEmpty {
            inUse += 1
            return .proceed
        }
        waiting.append(waiter)
        return .wait
    }

    /// A request is done with its connection: the next in the queue gets it.
    mutating func release() -> Leave {
        precondition(inUse > 0, "a permit released twice")
        if waiting.isEmpty {
            inUse -= 1
            return .none
        }
        return .resume(waiting.removeFirst())
    }

    /// A waiter gave up (cancelled, or past its deadline). False when it was already handed a
    /// connection: then it holds a permit it must release.
    mutating func abandon(_ waiter: Waiter) -> Bool {
        guard let index = waiting.firstIndex(of: waiter) else { return false }
        waiting.remove(at: index)
        return true
    }
}

/// The gate's I/O: continuations resumed outside the lock, deadlines and cancellation.
final class ConnectionGate: Sendable {
    /// A queued waiter: its continuation once it is suspended, or what happened before it was.
    private enum Slot {
        case suspended(CheckedContinuation<Void, any Error>)
        case granted
        case failed(any Error)
        case queued
    }
    private struct Locked {
        var state: ConnectionGateState
        var slots: [ConnectionGateState.Waiter: Slot] = [:]
        var next: ConnectionGateState.Waiter = 0
    }
    private let locked: Mutex<Locked>

    init(capacity: Int) { locked = Mutex(Locked(state: ConnectionGateState(capacity: capacity))) }

    var capacity: Int { locked.withLock { $0.state.capacity } }

    /// Waits for a connection until `deadline`; throws `timeout()` past it and `CancellationError`
    /// when the task is cancelled.
    func enter(deadline: NIODeadline, timeout: @escaping @Sendable () -> any Error) async throws -> GatePermit {
        let (waiter, action) = locked.withLock { locked in
            let waiter = locked.next
            locked.next += 1
            let action = locked.state.acquire(waiter)
            if action == .wait { locked.slots[waiter] = .queued }
            return (waiter, action)
        }
        if action == .proceed { return GatePermit(self) }
        let expiry = Task {
            try await Task.sleep(for: .nanoseconds(max(0, (deadline - .now()).nanoseconds)))
            self.giveUp(waiter, with: timeout())
        }
        defer { expiry.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let settled: Result<Void, any Error>? = locked.withLock { locked in
                    switch locked.slots[waiter] {
                    case .granted?: locked.slots[waiter] = nil; return .success(())
                    case .failed(let error)?: locked.slots[waiter] = nil; return .failure(error)
                    default: locked.slots[waiter] = .suspended(continuation); return nil
                    }
                }
                if let settled { continuation.resume(with: settled) }
            }
        } onCancel: {
            self.giveUp(waiter, with: CancellationError())
        }
        return GatePermit(self)
    }

    fileprivate func release() {
        let resumed: CheckedContinuation<Void, any Error>? = locked.withLock { locked in
            guard case .resume(let waiter) = locked.state.release() else { return nil }
            if case .suspended(let continuation)? = locked.slots[waiter] {
                locked.slots[waiter] = nil
                return continuation
            }
            locked.slots[waiter] = .granted
            return nil
        }
        resumed?.resume()
    }

    private func giveUp(_ waiter: ConnectionGateState.Waiter, with error: any Error) {
        let failed: CheckedContinuation<Void, any Error>? = locked.withLock { locked in
            guard locked.state.abandon(waiter) else { return nil }  // already handed a connection
            if case .suspended(let continuation)? = locked.slots[waiter] {
                locked.slots[waiter] = nil
                return continuation
            }
            locked.slots[waiter] = .failed(error)
            return nil
        }
        failed?.resume(throwing: error)
    }
}

/// One request's hold on a connection, given back once (when its answer has been read, or when
/// the last reference to it goes).
final class GatePermit: Sendable {
    private let gate: ConnectionGate
    private let held = Atomic(true)

    fileprivate init(_ gate: ConnectionGate) { self.gate = gate }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { gate.release() }
    }

    deinit { release() }
}
