/// How a command run through the runner ends, as a state machine: the runner's answers, a give-up
/// from outside (the backstop past the timeout, or a cancel the runner did not act on), and the
/// waits on its session go in; whether to wait again in a new session and the verdict come out.
/// The I/O (the session, the backstop's timer, the kill from outside) stays in
/// `DockerSandbox.run`; this is unit-tested without Docker (ExecOutcomeStateTests).
struct ExecOutcomeState {
    enum Phase: Equatable {
        /// Waiting on the session the command was sent on.
        case running
        /// Its session ended; waiting on a new one, found again by its token (`attempt` from 1).
        case rewaiting(attempt: Int)
        /// Given up from outside: the command was killed there, and counts as timed out.
        case abandoned
    }

    /// What the runner's answers and the waits came to.
    enum Verdict: Equatable {
        case cancelled
        /// Killed at its timeout; `truncated`: its output was cut at the source.
        case timedOut(truncated: Bool)
        /// Exited; `mayBeOutOfMemory`: a 137, which the daemon's OOM count may explain.
        case exited(status: Int32, truncated: Bool, mayBeOutOfMemory: Bool)
        /// The sandbox has no `sh` (or the program) to start.
        case noProgram
        case couldNotStart(String)
        /// The session ended before the command did, and it was not found again: what runs is to be
        /// ended from outside; past the timeout that is the timeout, else an error with the reason.
        case lost(String, pastTimeout: Bool)
        /// The runner said the command was done without its exit status.
        case noExit
    }

    /// Re-waits in new sessions at most this many times (each after something in the sandbox killed one).
    static let rewaits = 3

    private(set) var phase = Phase.running
    private var exit: (status: Int32, truncated: Bool)?
    private var failure: (code: UInt32, message: String)?
    /// A new session did not know the command.
    private var refused = false

    /// An answer that is not output. A re-wait's error means the new session does not know the command.
    mutating func answered(_ answer: RunnerAnswer) {
        switch answer {
        case .exit(let status, let truncated): exit = (status, truncated)
        case .error(let code, let message):
            if case .rewaiting = phase { refused = true } else { failure = (code, message) }
        default: break
        }
    }

    /// The command was killed from outside because the runner did not end it.
    mutating func abandon() { phase = .abandoned }

    /// After a wait: whether to look for the command in a new session (the last one was lost, the
    /// command was not given up or cancelled, and attempts remain). Moves to the next attempt.
    mutating func shouldRewait(after wait: Result<Void, RunnerSessionLost>, cancelled: Bool) -> Bool {
        guard case .failure = wait, !cancelled, !refused else { return false }
        switch phase {
        case .abandoned: return false
        case .running: phase = .rewaiting(attempt: 1)
        case .rewaiting(let attempt):
            guard attempt < Self.rewaits else { return false }
            phase = .rewaiting(attempt: attempt + 1)
        }
        return true
    }

    /// The end, from the last wait's result and the clock: a lost session past the timeout is the
    /// timeout; a 124 counts as timed out only if the timeout passed (a command may exit 124 itself).
    func verdict(after wait: Result<Void, RunnerSessionLost>, cancelled: Bool, timeout: Duration?, duration: Duration) -> Verdict {
        if cancelled { return .cancelled }
        if phase == .abandoned { return .timedOut(truncated: false) }
        let timeoutPassed = timeout.map { duration >= $0 } ?? false
        if refused { return .lost("the runner's session ended and the command was not found again", pastTimeout: timeoutPassed) }
        if case .failure(let lost) = wait { return .lost(lost.reason, pastTimeout: timeoutPassed) }
        if let failure {
            return failure.code == RunnerAnswer.noProgram ? .noProgram : .couldNotStart(failure.message)
        }
        guard let exit else { return .noExit }
        if exit.status == timeoutExitCode, timeoutPassed { return .timedOut(truncated: exit.truncated) }
        return .exited(status: exit.status, truncated: exit.truncated, mayBeOutOfMemory: exit.status == 137)
    }
}
