import CRunnerProtocol
import DockerEngine
import Foundation
import NIOCore
import Synchronization

/// A connection to `sandbox-runner serve` in one container, over the stdin and stdout of one
/// attached exec (or of the container's own command, attached by the process that created it):
/// commands and file requests go as frames with ids, so many run at once, each
/// answered without a `docker exec` of its own. One per sandbox object, so separate programs on
/// one sandbox (a console, an MCP server, a one-shot `sandbox exec`) never see each other's output.
final class RunnerSession: Sendable {
    /// The bookkeeping (``RunnerSessionState``), and the task running the connection, cancelled
    /// to drop a runner that does not answer.
    private struct State {
        var machine = RunnerSessionState()
        var connection: Task<Void, Never>?
    }
    private let state = Mutex(State())
    /// Frames to the runner, written in this order by one task (a cancel never overtakes its exec);
    /// `handOff`: the sender waiting for it (``enqueueHandedOff(_:id:)``).
    private let outgoing: AsyncStream<(frame: ByteBuffer, handOff: UInt64?)>.Continuation
    private let outgoingFrames: AsyncStream<(frame: ByteBuffer, handOff: UInt64?)>
    let logger: @Sendable (String) -> Void

    private init(path: String, logger: @escaping @Sendable (String) -> Void) {
        (outgoingFrames, outgoing) = AsyncStream.makeStream()
        (self.path, self.logger) = (path, logger)
    }

    /// The runner's path in the container (for a kill from outside, when it stops answering).
    let path: String

    /// How a session reaches its runner.
    private enum Transport {
        /// `sandbox-runner serve`, started by an exec of its own.
        case exec(String)
        /// The container's own command (`sandbox-runner init serve`), attached before it started:
        /// its stdout stays open after the session (the runner's init, PID 1, holds it), so the
        /// runner's ``RunnerBinary/sessionOver`` on stderr is what ends it.
        case container(String)
    }

    /// Starts the runner at `path` in `container` and waits (at most ``DockerSandbox/helperDeadline``)
    /// for its greeting.
    static func open(path: String, container: String, client: DockerClient,
                     logger: @escaping @Sendable (String) -> Void) async -> Result<RunnerSession, RunnerUnavailable> {
        let exec: String
        do {
            exec = try await client.createExec(container: container, .init(cmd: [path, "serve"], attachStdin: true))
        } catch {
            return .failure(RunnerUnavailable(reason: "the runner could not be started: \(SandboxError.wrap(error))"))
        }
        let session = RunnerSession(path: path, logger: logger)
        session.connect(.exec(exec), client: client)
        return await session.greeting()
    }

    /// Attaches to `container`, created and not started, whose own command is the runner at
    /// `path` serving its stdin and stdout (`init serve`); returns once attached, so that nothing
    /// it says is missed. Start the container, then wait for ``greeting()``.
    static func attach(path: String, container: String, client: DockerClient,
                       logger: @escaping @Sendable (String) -> Void) async -> Result<RunnerSession, RunnerUnavailable> {
        let session = RunnerSession(path: path, logger: logger)
        session.connect(.container(container), client: client)
        let attached = await withCheckedContinuation { continuation in
            if let now = session.state.withLock({ $0.machine.awaitAttached(continuation) }) { continuation.resume(returning: now) }
        }
        return attached.map { session }
    }

    private func connect(_ transport: Transport, client: DockerClient) {
        let connection = Task { await pump(transport, client: client) }
        state.withLock { $0.connection = connection }
    }

    /// Waits (at most ``DockerSandbox/helperDeadline``) for the runner's greeting; closes the
    /// session when it does not come.
    func greeting() async -> Result<RunnerSession, RunnerUnavailable> {
        let session = self
        // The deadline cancels the wait, which must then end: a task group waits for its children.
        let greeted = await withDeadline(DockerSandbox.helperDeadline) {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in session.awaitHello(continuation) }
            } onCancel: {
                session.end("the runner did not greet within \(DockerSandbox.helperDeadline)", close: true)
            }
        }
        switch greeted {
        case .success?:
            Task { await session.watch() }
            return .success(session)
        case .failure(let unavailable)?:
            session.close()
            return .failure(unavailable)
        case nil:
            session.close()
            return .failure(RunnerUnavailable(reason: "the runner did not answer within \(DockerSandbox.helperDeadline)"))
        }
    }

    private func awaitHello(_ continuation: CheckedContinuation<Result<Void, RunnerUnavailable>, Never>) {
        if let now = state.withLock({ $0.machine.awaitHello(continuation) }) { continuation.resume(returning: now) }
    }

    /// Whether the session still runs; a lost one is replaced by the sandbox.
    var isOpen: Bool { state.withLock { $0.machine.endedReason == nil } }

    /// Whether the runner's kernel has no subreapers, so a double fork can outlive a timeout.
    var noSubreaper: Bool { state.withLock { $0.machine.noSubreaper } }

    /// Ends the session: the runner reads end of file and ends every command it runs.
    func close() { outgoing.finish() }

    /// Sends `request`; its answers go to `onAnswer`. Pair each with ``wait(_:)``.
    func send(_ request: RunnerRequest, onAnswer: @escaping @Sendable (RunnerAnswer) -> Void) throws -> UInt32 {
        let id = try state.withLock { state throws(RunnerSessionLost) in try state.machine.register(onAnswer) }
        do { try enqueue(request, id: id) } catch {
            state.withLock { $0.machine.unregister(id) }
            throw error
        }
        return id
    }

    /// One more frame of a request already sent (a write's data, a cancel).
    func enqueue(_ request: RunnerRequest, id: UInt32) throws {
        outgoing.yield((try request.encoded(id: id), nil))
    }

    /// ``enqueue(_:id:)``, returning once the frame is handed to the connection: a file goes one
    /// chunk at a time, each copied from the caller's buffer when its turn comes, not all at once.
    func enqueueHandedOff(_ request: RunnerRequest, id: UInt32) async throws {
        let frame = try request.encoded(id: id)
        let handedOff = await withCheckedContinuation { continuation in
            guard let ticket = state.withLock({ $0.machine.awaitHandOff(continuation) }) else { return continuation.resume(returning: false) }
            // After ``close()`` the stream takes nothing more: that frame will never be handed over.
            if case .terminated = outgoing.yield((frame, ticket)) {
                state.withLock { $0.machine.handOff(ticket) }?.resume(returning: false)
            }
        }
        if !handedOff { throw RunnerSessionLost(reason: state.withLock { $0.machine.endedReason } ?? "the session ended") }
    }

    private func handedOff(_ ticket: UInt64) {
        state.withLock { $0.machine.handOff(ticket) }?.resume(returning: true)
    }

    /// Waits for the last answer to `id`, the end of the session, or ``abandon(_:)``. Not ended
    /// by cancellation: a cancelled caller sends a cancel and still waits for the kill to finish.
    func wait(_ id: UInt32) async -> Result<Void, RunnerSessionLost> {
        await withCheckedContinuation { continuation in
            if let ready = state.withLock({ $0.machine.wait(id, continuation) }) { continuation.resume(returning: ready) }
        }
    }

    /// Whether `id` still waits for answers.
    func isWaiting(_ id: UInt32) -> Bool { state.withLock { $0.machine.isWaiting(id) } }

    /// Ends `id` now, for a runner that does not answer it; the session is given up too, as
    /// whatever stopped the runner from answering stops it for the next request as well.
    /// A request answered meanwhile leaves the session alone: it answers, and it may already
    /// serve another command (the caller looked before a slow kill from outside).
    func abandon(_ id: UInt32) {
        let lost = RunnerSessionLost(reason: "the runner did not answer")
        let (waiting, waiter) = state.withLock { ($0.machine.isWaiting(id), $0.machine.finish(id, .failure(lost))) }
        guard waiting else { return }
        waiter?.resume(returning: .failure(lost))
        end("the runner stopped answering", close: true)
    }

    /// Runs the connection: writes what is queued, reads and routes answers, and at the end
    /// fails whatever is still waiting.
    private func pump(_ transport: Transport, client: DockerClient) async {
        var reason = "the runner ended"
        /// Talks to the runner until the connection ends; returns what it said on stderr.
        func talk(_ output: inout AttachedExecOutput, _ input: AttachedExecInput) async throws -> String {
            state.withLock { $0.machine.attached() }?.resume(returning: .success(()))
            let writer = Task {
                for await (frame, handOff) in outgoingFrames {
                    try await input.write(frame)
                    if let handOff { handedOff(handOff) }
                }
                input.finish()
            }
            defer { writer.cancel() }
            var decoder = RunnerAnswerDecoder()
            var diagnostics = "", tail = ""
            while let frame = try await output.next() {
                if frame.stream == .stderr {
                    // The runner's own complaints (bounded: what runs beside it may write there too).
                    let text = String(buffer: frame.bytes)
                    if diagnostics.utf8.count < 4096 { diagnostics += text }
                    guard case .container = transport else { continue }
                    tail = String((tail + text).suffix(2 * RunnerBinary.sessionOver.count))
                    if tail.contains(RunnerBinary.sessionOver) { break }
                    continue
                }
                for (id, answer) in try decoder.feed(frame.bytes) { route(answer, to: id) }
            }
            return diagnostics.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            let diagnostics = switch transport {
            case .exec(let exec): try await client.withAttachedExec(exec, talk)
            case .container(let container): try await client.withAttachedContainer(container, talk)
            }
            if !diagnostics.isEmpty { reason += ": " + diagnostics }
        } catch let error as RunnerProtocolError {
            reason = state.withLock { $0.machine.protocolBroken(error) }
        } catch {
            reason = "the connection to the runner failed: \(SandboxError.wrap(error))"
        }
        end(reason)
    }

    private func route(_ answer: RunnerAnswer, to id: UInt32) {
        if case .hello(let version) = answer {
            let (waiter, result) = state.withLock { $0.machine.hello(version, expected: RunnerBinary.version) }
            if case .success = result, version.split(separator: " ").contains("no-subreaper") {
                logger("this kernel (gVisor's?) has no subreapers: a process that double-forks can outlive a timeout")
            }
            waiter?.resume(returning: result)
            // Another protocol: nothing it says can be read, and a greeting not yet waited for
            // must still say why.
            if case .failure(let unavailable) = result { end(unavailable.reason, close: true) }
            return
        }
        let final: Bool = switch answer {
        case .exit, .error, .ok, .end, .pong: true
        default: false
        }
        guard let handler = state.withLock({ $0.machine.answered(id) }) else { return }
        handler(answer)
        if final { state.withLock { $0.machine.finish(id, .success(())) }?.resume(returning: .success(())) }
    }

    /// Ends the session once (later calls change nothing); `close`: the runner is given up, so
    /// its connection is dropped rather than waited on, and the caller tells why.
    private func end(_ reason: String, close: Bool = false) {
        let (ending, connection) = state.withLock { ($0.machine.end(reason), $0.connection) }
        outgoing.finish()
        for handOff in ending.handOffs { handOff.resume(returning: false) }
        if close { connection?.cancel() }
        for waiter in ending.opened { waiter.resume(returning: .failure(RunnerUnavailable(reason: ending.reason))) }
        for waiter in ending.finished { waiter.resume(returning: .failure(RunnerSessionLost(reason: ending.reason))) }
        if ending.first && !close { logger(reason) }
    }

    /// How long the runner may be silent before it is pinged, and then before it is given up.
    /// Generous: a ping waits behind the requests before it (a large write to a slow disk).
    static let silence = Duration.seconds(10)

    /// Gives the session up when the runner stops answering: stopped (SIGSTOP) by the sandbox,
    /// or its stdout fed half a frame from inside (every answer after it then goes to that
    /// frame). A request of no deadline of its own (a file, a command without a timeout) would
    /// otherwise wait forever. A runner that reads its requests answers a ping at once, even
    /// while its commands print nothing.
    private func watch() async {
        while true {
            try? await Task.sleep(for: Self.silence)
            switch state.withLock({ $0.machine.watchTick() }) {
            case .stop: return
            case .quiet: continue
            case .ping: try? enqueue(.ping, id: 0)  // id 0: the session's own, as its greeting
            case .giveUp:
                let reason = "the runner stopped answering (not even a ping, for \(Self.silence))"
                end(reason, close: true)
                logger(reason)
                return
            }
        }
    }
}

/// The session ended (the runner was killed or replaced from inside the sandbox, or the
/// connection broke) before a request was answered.
struct RunnerSessionLost: Error, Equatable, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

extension RunnerSession {
    /// From now on its file requests act as `account` (runner/user.c: its permissions, and its
    /// ownership of what they create); commands say whom they run as themselves.
    func actAs(_ account: SandboxAccount) async throws {
        let failure = Mutex<String?>(nil)
        let id = try send(.user(spec: account.runnerSpec)) { answer in
            if case .error(_, let message) = answer { failure.withLock { $0 = message } }
        }
        if case .failure(let lost) = await wait(id) { throw lost }
        if let message = failure.withLock({ $0 }) {
            throw SandboxError.commandFailed("the runner could not act as the sandbox's user \(account.name): \(message)")
        }
    }

    /// Writes `content` to `path` (absolute): parents created, an existing file's permission
    /// bits kept (else 0644), symlinks followed, a directory or special file never replaced; the
    /// runner renames a finished file into place, so no reader sees half of it.
    func write(_ path: String, _ content: Data) async throws {
        let failure = Mutex<(code: UInt32, message: String)?>(nil)
        let chunk = RunnerRequest.chunk
        let first = content.prefix(chunk)
        let id = try send(.write(path: path, mode: nil, first: first)) { answer in
            if case .error(let code, let message) = answer { failure.withLock { $0 = (code, message) } }
        }
        var offset = content.startIndex + first.count
        while offset < content.endIndex {
            let end = min(content.endIndex, offset + chunk)
            try await enqueueHandedOff(.writeData(content[offset..<end]), id: id)
            offset = end
        }
        try enqueue(.writeEnd, id: id)
        if case .failure(let lost) = await wait(id) { throw lost }
        if let failure = failure.withLock({ $0 }) { throw Self.fileError(failure.code, failure.message, path: path) }
    }

    /// The bytes of the regular file at `path`, at most `limit` of them.
    func read(_ path: String, limit: Int) async throws -> Data {
        struct Received { var data = Data(), failure: (code: UInt32, message: String)?, overflow = false }
        let received = Mutex(Received())
        let id = try send(.read(path: path, limit: UInt64(max(0, limit)))) { answer in
            received.withLock { received in
                switch answer {
                case .data(let bytes):
                    // The runner was told the limit; one that sends more is not believed.
                    if received.data.count + bytes.readableBytes > limit { received.overflow = true } else { received.data.append(contentsOf: bytes.readableBytesView) }
                case .error(let code, let message): received.failure = (code, message)
                default: break
                }
            }
        }
        if case .failure(let lost) = await wait(id) { throw lost }
        let result = received.withLock { $0 }
        if let failure = result.failure { throw Self.fileError(failure.code, failure.message, path: path) }
        if result.overflow { throw SandboxError.fileTooLarge(path, limit: limit) }
        return result.data
    }

    /// The runner's error codes (errno, or its own above 1000) as the errors the archive path gives.
    static func fileError(_ code: UInt32, _ message: String, path: String) -> SandboxError {
        // What is in the way is named by its own path (a link may have led there).
        let inTheWay = message.hasPrefix("/") ? message : path
        return switch code {
        case UInt32(ENOENT): .fileNotFound(path)
        case UInt32(EISDIR): .isDirectory(inTheWay)
        case UInt32(ENOTDIR): .notDirectory(path)
        case ERR_NOT_REGULAR.rawValue: .notRegularFile(inTheWay)
        case ERR_TOO_LARGE.rawValue: .fileTooLarge(path, limit: DockerSandbox.readLimit)
        case UInt32(EROFS): .pathError(path, "read-only file system")
        default: .pathError(path, message.lowercased())
        }
    }
}
