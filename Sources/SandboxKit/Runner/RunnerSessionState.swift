/// A runner session's bookkeeping as a state machine: each event changes it under the session's
/// lock and returns what to do, and ``RunnerSession`` does that outside the lock (resumes the
/// continuations handed back, calls the answer handlers, cancels the connection). Unit-tested
/// without Docker (RunnerSessionStateTests), including what the hostile suites found: a killed
/// runner, a malformed frame, a silent one, answers to ids never sent.
struct RunnerSessionState {
    typealias Opened = CheckedContinuation<Result<Void, RunnerUnavailable>, Never>
    typealias Finished = CheckedContinuation<Result<Void, RunnerSessionLost>, Never>
    typealias HandedOff = CheckedContinuation<Bool, Never>

    enum Phase: Equatable {
        /// The connection is being made.
        case connecting
        /// Connected; the runner's greeting is not heard yet.
        case attached
        /// Greeted: requests are served. `noSubreaper`: its kernel (gVisor's, before 2023) has none.
        case serving(noSubreaper: Bool)
        /// Over, with why; `greeted`: it had served (a protocol error is then the runner's fault).
        case ended(reason: String, greeted: Bool)
    }

    /// A request's answers go to `onAnswer` as they come; its end to `waiter`, or to `outcome`
    /// until someone waits.
    private struct Request {
        let onAnswer: @Sendable (RunnerAnswer) -> Void
        var waiter: Finished?
        var outcome: Result<Void, RunnerSessionLost>?
    }

    private(set) var phase = Phase.connecting
    /// The next request's id (internal: tests move it to where it wraps).
    var nextID: UInt32 = 1
    private var requests: [UInt32: Request] = [:]
    private var attachWaiter: Opened?
    private var helloWaiter: Opened?
    /// Frames whose sender waits until they are handed to the connection (a file's chunks).
    private var handOffs: [UInt64: HandedOff] = [:]
    private var nextHandOff: UInt64 = 0
    /// Whether a whole answer came since the watchdog last looked, and whether it has pinged.
    private var heard = false
    private var pinged = false

    var endedReason: String? {
        if case .ended(let reason, _) = phase { reason } else { nil }
    }

    /// What the greeting said of the kernel, kept after the session ends (for `sandbox doctor`).
    private(set) var noSubreaper = false

    // MARK: Opening

    /// The connection is up: whoever waits for it goes on.
    mutating func attached() -> Opened? {
        guard phase == .connecting else { return nil }
        phase = .attached
        defer { attachWaiter = nil }
        return attachWaiter
    }

    /// Waits for the connection: the result now, or nil with `waiter` kept for ``attached()`` or ``end(_:)``.
    mutating func awaitAttached(_ waiter: Opened) -> Result<Void, RunnerUnavailable>? {
        switch phase {
        case .connecting:
            attachWaiter = waiter
            return nil
        case .attached, .serving: return .success(())
        case .ended(let reason, _): return .failure(RunnerUnavailable(reason: reason))
        }
    }

    /// Waits for the greeting, as ``awaitAttached(_:)`` does for the connection.
    mutating func awaitHello(_ waiter: Opened) -> Result<Void, RunnerUnavailable>? {
        switch phase {
        case .connecting, .attached:
            helloWaiter = waiter
            return nil
        case .serving: return .success(())
        case .ended(let reason, _): return .failure(RunnerUnavailable(reason: reason))
        }
    }

    /// The runner said hello with `version` (its version, then words such as `no-subreaper`).
    /// Another build's runner (left in a container by an older sandbox) speaks another protocol:
    /// the result says so, and the session is not served.
    mutating func hello(_ version: String, expected: String) -> (waiter: Opened?, result: Result<Void, RunnerUnavailable>) {
        heard = true
        let words = version.split(separator: " ")
        let result: Result<Void, RunnerUnavailable> = words.first.map(String.init) == expected ? .success(())
            : .failure(RunnerUnavailable(reason: "the runner in the container is version \(TerminalText.oneLine(version.prefix(20))), this program needs \(expected)"))
        if case .success = result, phase == .attached || phase == .connecting {
            noSubreaper = words.contains("no-subreaper")
            phase = .serving(noSubreaper: noSubreaper)
        }
        defer { helloWaiter = nil }
        return (helloWaiter, result)
    }

    // MARK: Requests

    /// A new request's id (never one in use, never 0: the session's own); fails once ended.
    mutating func register(_ onAnswer: @escaping @Sendable (RunnerAnswer) -> Void) throws(RunnerSessionLost) -> UInt32 {
        if let reason = endedReason { throw RunnerSessionLost(reason: reason) }
        var id = nextID
        while requests[id] != nil { id = id == UInt32.max ? 1 : id + 1 }
        nextID = id == UInt32.max ? 1 : id + 1
        requests[id] = Request(onAnswer: onAnswer)
        return id
    }

    /// A request whose frame could not be sent.
    mutating func unregister(_ id: UInt32) { requests[id] = nil }

    /// The handler an answer to `id` goes to; after a request's last answer has been handled,
    /// ``finish(_:_:)`` it (not before: a waiter must find what the handler recorded). An id
    /// never sent, or already finished, gets nothing: the runner is not trusted.
    mutating func answered(_ id: UInt32) -> (@Sendable (RunnerAnswer) -> Void)? {
        heard = true
        guard let request = requests[id], request.outcome == nil else { return nil }
        return request.onAnswer
    }

    /// Ends `id` with `outcome`: its waiter to resume, or the outcome kept for ``wait(_:_:)``.
    mutating func finish(_ id: UInt32, _ outcome: Result<Void, RunnerSessionLost>) -> Finished? {
        guard let request = requests[id], request.outcome == nil else { return nil }
        if let waiter = request.waiter {
            requests[id] = nil
            return waiter
        }
        requests[id]?.outcome = outcome
        return nil
    }

    /// Waits for `id`'s end: the outcome now (the request is then forgotten), or nil with `waiter` kept.
    mutating func wait(_ id: UInt32, _ waiter: Finished) -> Result<Void, RunnerSessionLost>? {
        guard let request = requests[id] else { return .failure(RunnerSessionLost(reason: endedReason ?? "no such request")) }
        if let outcome = request.outcome {
            requests[id] = nil
            return outcome
        }
        requests[id]?.waiter = waiter
        return nil
    }

    func isWaiting(_ id: UInt32) -> Bool { requests[id].map { $0.outcome == nil } ?? false }

    // MARK: Frames handed to the connection

    /// A ticket for a frame whose sender waits for its hand-off; nil once ended.
    mutating func awaitHandOff(_ waiter: HandedOff) -> UInt64? {
        guard endedReason == nil else { return nil }
        nextHandOff += 1
        handOffs[nextHandOff] = waiter
        return nextHandOff
    }

    /// The ticket's frame was handed over, or (false) never will be.
    mutating func handOff(_ ticket: UInt64) -> HandedOff? { handOffs.removeValue(forKey: ticket) }

    // MARK: The end

    /// What ending asks for: everything waiting resumed with the reason, the connection dropped
    /// when the runner is given up (`close`), and the reason logged the first time.
    struct Ending {
        var first: Bool
        var reason: String
        var finished: [Finished]
        var opened: [Opened]
        var handOffs: [HandedOff]
    }

    /// Ends the session once: a later end keeps the first reason and finds nothing left to resume.
    mutating func end(_ reason: String) -> Ending {
        let first = endedReason == nil
        if first {
            let greeted = if case .serving = phase { true } else { false }
            phase = .ended(reason: reason, greeted: greeted)
        }
        let reason = endedReason ?? reason
        var finished: [Finished] = []
        for id in requests.keys.sorted() {
            if let waiter = finish(id, .failure(RunnerSessionLost(reason: reason))) { finished.append(waiter) }
        }
        defer { (attachWaiter, helloWaiter, handOffs) = (nil, nil, [:]) }
        return Ending(first: first, reason: reason, finished: finished,
                      opened: [attachWaiter, helloWaiter].compactMap { $0 }, handOffs: Array(handOffs.values))
    }

    /// Why a connection that failed with a protocol error ended: the runner's fault once it had greeted.
    func protocolBroken(_ error: some Error) -> String {
        switch phase {
        case .serving, .ended(_, greeted: true): "the runner broke the protocol (\(error))"
        default: "the runner could not start: \(error)"
        }
    }

    // MARK: The watchdog

    enum Watch: Equatable {
        /// Answers came, or the first silence: nothing to do.
        case quiet
        /// Silent for one period: ping it (a runner that reads answers at once).
        case ping
        /// Silent through a ping: give the session up.
        case giveUp
        /// The session is over: stop watching.
        case stop
    }

    /// A watchdog period has passed.
    mutating func watchTick() -> Watch {
        defer { heard = false }
        if endedReason != nil { return .stop }
        if heard {
            pinged = false
            return .quiet
        }
        if pinged { return .giveUp }
        pinged = true
        return .ping
    }
}
