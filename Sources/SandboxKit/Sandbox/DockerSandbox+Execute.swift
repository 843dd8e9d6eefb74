import CRunnerProtocol
import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

extension DockerSandbox {
    /// Runs `command` with `sh -c` in ``workDir`` and returns its merged output.
    ///
    /// Output beyond ``outputLimit`` characters is dropped as it arrives (memory stays bounded)
    /// and `truncated` is set. At `timeout` the process and its children are killed inside the
    /// container and the result has exit code 124 with the output so far.
    public func execute(_ command: String, timeout: Duration? = nil) async throws -> ExecuteResult {
        try await execute(argv: ["sh", "-c", command], timeout: timeout)
    }

    /// ``execute(_:timeout:)`` of a program and its arguments as they are, with no shell between.
    func execute(argv: [String], timeout: Duration? = nil) async throws -> ExecuteResult {
        let collector = OutputCollector(limit: Self.outputLimit)
        let exit = try await run(argv, timeout: timeout, cap: Self.outputLimit) { frame in collector.append(frame) }
        var (output, truncated) = collector.result()
        truncated = truncated || exit.truncatedAtSource
        if exit.outOfMemory { output += (output.isEmpty || output.hasSuffix("\n") ? "" : "\n") + outOfMemoryNote }
        return ExecuteResult(output: output, exitCode: exit.exitCode, truncated: truncated, timedOut: exit.timedOut,
                             outOfMemory: exit.outOfMemory, duration: exit.duration)
    }

    /// Runs `command` and yields its stdout and stderr as they arrive, then its exit.
    /// Cancelling the consuming task kills the process inside the container.
    public nonisolated func executeStream(_ command: String, timeout: Duration? = nil) -> AsyncThrowingStream<ExecEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let exit = try await self.execute(command, timeout: timeout) { continuation.yield($0) }
                    continuation.yield(.exit(exit))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { reason in
                if case .cancelled = reason { task.cancel() }
            }
        }
    }

    /// Runs `command`, handing its stdout and stderr text to `onOutput` as it arrives, and
    /// returns its exit. When the calling task is cancelled, the process is killed inside the
    /// container before this returns (throwing `CancellationError`).
    public func execute(_ command: String, timeout: Duration? = nil,
                        onOutput: @escaping @Sendable (ExecEvent) -> Void) async throws -> ExecExit {
        try await execute(argv: ["sh", "-c", command], timeout: timeout, onOutput: onOutput)
    }

    /// ``execute(_:timeout:onOutput:)`` of a program and its arguments as they are, with no shell between.
    func execute(argv: [String], timeout: Duration? = nil, onOutput: @escaping @Sendable (ExecEvent) -> Void) async throws -> ExecExit {
        let decoders = Mutex((stdout: UTF8StreamDecoder(), stderr: UTF8StreamDecoder()))
        let exit = try await run(argv, timeout: timeout) { frame in
            let text = decoders.withLock { d in
                frame.stream == .stderr ? d.stderr.decode(frame.bytes) : d.stdout.decode(frame.bytes)
            }
            if !text.isEmpty { onOutput(frame.stream == .stderr ? .stderr(text) : .stdout(text)) }
        }
        let rest = decoders.withLock { ($0.stdout.flush(), $0.stderr.flush()) }
        if !rest.0.isEmpty { onOutput(.stdout(rest.0)) }
        if !rest.1.isEmpty { onOutput(.stderr(rest.1)) }
        if exit.outOfMemory { onOutput(.stderr(outOfMemoryNote)) }
        return exit
    }

    /// The core of both forms: run `argv` through the sandbox's runner (or, where it has none, a
    /// `docker exec` of its own), hand every output frame to `onFrame`, enforce the timeout, and
    /// kill everything the command started on timeout or cancellation. `cap`: characters the
    /// runner keeps before counting the rest away (0: all).
    func run(_ argv: [String], timeout: Duration?, cap: Int = 0, onFrame: @escaping @Sendable (OutputFrame) -> Void) async throws -> ExecExit {
        let container = try await containerID()
        let client = try docker()
        let account = try await account()
        guard let session = await openSession(for: container) else {
            return try await runByExec(argv, timeout: timeout, user: try await execUser(), environment: account?.environment ?? [],
                                       container: container, client: client, onFrame: onFrame)
        }
        // The runner switches to the user for the command alone (runner/user.c).
        let environment = account.map { $0.environment + ["\(Self.runnerUserVariable)=\($0.runnerSpec)"] } ?? []
        do {
            return try await run(argv, timeout: timeout, cap: cap, environment: environment, session: session, container: container,
                                 client: client, onFrame: onFrame)
        } catch let lost as RunnerSessionLost {
            // Killed with its container? Its state can lag the connection's end by a few ms.
            _ = try? await containerStops(container, client: client, within: .milliseconds(300))
            let explained = await explainFailure(lost, container: container)
            if explained is RunnerSessionLost {
                throw SandboxError.commandFailed("the sandbox's runner ended while the command ran (\(lost.reason)); run it again")
            }
            throw explained
        }
    }

    private func run(_ argv: [String], timeout: Duration?, cap: Int, environment: [String], session: RunnerSession, container: String,
                     client: DockerClient, onFrame: @escaping @Sendable (OutputFrame) -> Void) async throws -> ExecExit {
        let token = UUID().uuidString
        let started = ContinuousClock.now
        let state = Mutex(ExecOutcomeState())
        let onAnswer: @Sendable (RunnerAnswer) -> Void = { answer in
            switch answer {
            case .stdout(let bytes): onFrame(OutputFrame(stream: .stdout, bytes: bytes))
            case .stderr(let bytes): onFrame(OutputFrame(stream: .stderr, bytes: bytes))
            default: state.withLock { $0.answered(answer) }
            }
        }
        let id = try session.send(.exec(
            token: token, workDir: workDir, environment: ["\(ProcessMarker.variable)=\(token)"] + environment, argv: argv,
            timeoutMilliseconds: UInt32(clamping: timeout.map(Self.milliseconds) ?? 0), cap: UInt32(clamping: cap)),
            onAnswer: onAnswer)
        // The session the command is answered on: a new one when something in the sandbox
        // killed the one it started in (the runner's init runs it on, and a new session waits
        // for it by its token).
        let current = CurrentRequest(session: session, id: id)
        // The runner enforces the timeout itself. Past it and a grace, or on a cancel, we ask the
        // runner to end the command; if it does not answer (stopped, say), we kill from outside.
        let stopWaiting: @Sendable () async -> Void = {
            let (session, id) = current.withLock { $0 }
            try? session.enqueue(.cancel, id: id)
            try? await Task.sleep(for: Self.helperDeadline)
            let (now, nowID) = current.withLock { $0 }
            guard now.isWaiting(nowID) else { return }
            await Self.endCommand(token: token, runner: now.path, in: container, client: client)
            state.withLock { $0.abandon() }
            now.abandon(nowID)
        }
        let backstop = timeout.map { limit in
            Task {
                try await Task.sleep(for: limit + Self.runnerGrace)
                await stopWaiting()
            }
        }
        defer { backstop?.cancel() }
        func wait() async -> Result<Void, RunnerSessionLost> {
            let (session, id) = current.withLock { $0 }
            return await withTaskCancellationHandler {
                await session.wait(id)
            } onCancel: {
                Task { await stopWaiting() }
            }
        }
        var waited = await wait()
        while state.withLock({ $0.shouldRewait(after: waited, cancelled: Task.isCancelled) }),
              let again = await openSession(for: container), again !== current.withLock({ $0.session }),
              let rewait = try? again.send(.wait(token: token, cap: UInt32(clamping: cap)), onAnswer: onAnswer) {
            current.withLock { $0 = (again, rewait) }
            waited = await wait()
        }
        backstop?.cancel()
        let duration = ContinuousClock.now - started
        switch state.withLock({ $0.verdict(after: waited, cancelled: Task.isCancelled, timeout: timeout, duration: duration) }) {
        case .cancelled: throw CancellationError()
        case .timedOut(let truncated): return ExecExit(exitCode: timeoutExitCode, timedOut: true, duration: duration, truncatedAtSource: truncated)
        case .lost(let reason, let pastTimeout):
            // A runner stopped (not killed) by the sandbox leaves the command under its supervisor.
            await Self.endCommand(token: token, runner: current.withLock { $0.session.path }, in: container, client: client)
            if pastTimeout { return ExecExit(exitCode: timeoutExitCode, timedOut: true, duration: duration) }
            throw RunnerSessionLost(reason: reason)
        case .noProgram: throw noShellError
        case .couldNotStart(let message): throw SandboxError.commandFailed("the runner could not start the command: \(message)")
        case .noExit: throw RunnerSessionLost(reason: "the runner answered the command without its exit")
        case .exited(let status, let truncated, let mayBeOutOfMemory):
            let oom = mayBeOutOfMemory ? await oomKillsRose(container, client: client) : false
            return ExecExit(exitCode: status, timedOut: false, duration: duration, outOfMemory: oom, truncatedAtSource: truncated)
        }
    }

    /// The session a command is answered on, and its request there.
    private final class CurrentRequest: Sendable {
        private let state: Mutex<(session: RunnerSession, id: UInt32)>
        init(session: RunnerSession, id: UInt32) { state = Mutex((session, id)) }
        func withLock<T>(_ body: (inout (session: RunnerSession, id: UInt32)) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// A command by plain `docker exec`, where the sandbox has no runner: its processes are found
    /// by an environment marker at a timeout or cancel (which a command can remove).
    private func runByExec(_ argv: [String], timeout: Duration?, user: String?, environment: [String], container: String, client: DockerClient,
                           onFrame: @escaping @Sendable (OutputFrame) -> Void) async throws -> ExecExit {
        let token = UUID().uuidString
        let started = ContinuousClock.now
        let timedOut = Atomic<Bool>(false)
        do {
            let execID = try await client.createExec(container: container, .init(
                cmd: argv, env: ["\(ProcessMarker.variable)=\(token)"] + environment, workingDir: workDir, user: user))
            let output = try await client.startExec(execID)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await frame in output { onFrame(frame) }
                    return true
                }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return false
                    }
                }
                if try await group.next() == false {
                    timedOut.store(true, ordering: .relaxed)
                    await Self.endCommand(token: token, runner: nil, in: container, client: client)
                    // The stream closes once the processes are gone; do not wait on it forever.
                    group.addTask {
                        try await Task.sleep(for: .seconds(1))
                        return false
                    }
                    _ = try await group.next()
                }
                group.cancelAll()
            }
            if Task.isCancelled { throw CancellationError() }
            let duration = ContinuousClock.now - started
            if timedOut.load(ordering: .relaxed) { return ExecExit(exitCode: timeoutExitCode, timedOut: true, duration: duration) }
            let inspect = try await finished(execID, client: client, container: container)
            let code = Int32(truncatingIfNeeded: inspect.exitCode ?? 0)
            let oom = code == 137 ? await oomKillsRose(container, client: client) : false
            return ExecExit(exitCode: code, timedOut: false, duration: duration, outOfMemory: oom)
        } catch {
            if Task.isCancelled {
                // Wait for the kill, from a task of its own: this one's requests are cancelled.
                await Task { await Self.endCommand(token: token, runner: nil, in: container, client: client) }.value
                throw CancellationError()
            }
            throw await explainFailure(error, container: container)
        }
    }

    /// How a command is told whom it runs as; the runner takes it out.
    static let runnerUserVariable = USER_VARIABLE

    /// What `execute` throws when the image has no `sh` to run commands with (the runner says so).
    nonisolated var noShellError: SandboxError {
        .commandFailed("\(name)'s image has no shell (sh), so it cannot run commands; its files can still be written and read")
    }

    /// How long past a timeout we wait for the runner to report it before killing from outside.
    static let runnerGrace = Duration.seconds(2)
    /// The most a helper exec (a kill, an OOM check) may take: what runs it lives in the sandbox.
    static let helperDeadline = Duration.seconds(5)

    /// Whole milliseconds, at least 1 and clamped to what the runner parses (no overflow for any Duration).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow || whole > Int64.max / 2 { return Int64.max / 2 }
        return max(1, whole + attoseconds / 1_000_000_000_000_000)
    }

    /// The exec once the daemon has recorded its exit (it can lag the end of the stream briefly).
    private func finished(_ execID: String, client: DockerClient, container: String) async throws -> ExecInspect {
        for attempt in 0..<50 {
            let inspect = try await client.inspectExec(execID)
            if !inspect.running, let code = inspect.exitCode {
                // Killed by a signal: was it the whole container going away? Its state can lag
                // the exec's by a few milliseconds, so look for a moment.
                if code > 128, try await containerStops(container, client: client, within: .milliseconds(300)) {
                    throw SandboxError.containerGone(name: name, detail: "it stopped while the command ran")
                }
                return inspect
            }
            if attempt > 2, try await !client.inspectContainer(container).state.running {
                throw SandboxError.containerGone(name: name, detail: "it stopped while the command ran")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SandboxError.commandFailed("the daemon did not report an exit code for the command")
    }
}

extension DockerSandbox {
    var outOfMemoryNote: String {
        "[killed: the sandbox ran out of memory (limit \(memoryLimit ?? "none"))]\n"
    }

    /// Whether the container's cgroup counted a new OOM kill since the last look (cgroup v2's
    /// memory.events, or v1's memory.oom_control), read by the container's own `sh` and `cat`.
    fileprivate func oomKillsRose(_ container: String, client: DockerClient) async -> Bool {
        let script = "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null"
        guard let read = await HelperExec(argv: ["sh", "-c", script]).run(in: container, client: client), !read.overflowed else { return false }
        let count = read.stdout.split(separator: "\n").compactMap { line -> Int? in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "oom_kill" ? Int(parts[1]) : nil
        }.first ?? 0
        return recordOOMKills(count)
    }

    func containerStops(_ container: String, client: DockerClient, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        repeat {
            if try await !client.inspectContainer(container).state.running { return true }
            try await Task.sleep(for: .milliseconds(25))
        } while ContinuousClock.now < deadline
        return false
    }
}

/// Finds an exec's processes by a marker in their environment, which children inherit, and kills
/// them: the fallback where the runner cannot run. Docker has no "kill this exec" call, and the
/// exec's reported pid is the host's.
enum ProcessMarker {
    static let variable = "SANDBOX_EXEC_TOKEN"

    /// Shell builtins only, so it runs where nothing can fork (a fork bomb at the pids limit):
    /// `read` takes a process's whole `environ` as one line, the NULs dropped (dash and BusyBox
    /// ash alike), and the marker (its value a UUID) is looked for in it. All found are frozen
    /// before any is killed, so a parent cannot react to its child's death (and print more);
    /// passes repeat until two in a row find nothing, catching children forked meanwhile.
    static let script = #"""
    marker="SANDBOX_EXEC_TOKEN=$1"
    empty=0
    for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
      pids=
      for dir in /proc/[0-9]*; do
        [ "${dir#/proc/}" = "$$" ] && continue
        env=
        IFS= read -r env 2>/dev/null < "$dir/environ"
        case "$env" in *"$marker"*) pids="$pids ${dir#/proc/}" ;; esac
      done
      if [ -z "$pids" ]; then
        empty=$((empty + 1))
        [ "$empty" -ge 2 ] && exit 0
        continue
      fi
      empty=0
      kill -STOP $pids 2>/dev/null
      kill -KILL $pids 2>/dev/null
    done
    exit 1
    """#

    /// Runs the script until a run says nothing is left (exit 0), for at most
    /// ``DockerSandbox/helperDeadline`` in all: its `sh` lives in the sandbox, and the container may be gone.
    static func kill(_ token: String, in container: String, client: DockerClient) async {
        let end = ContinuousClock.now + DockerSandbox.helperDeadline
        while ContinuousClock.now < end, !Task.isCancelled {
            // An exec the daemon could not start (runc refused at the pids limit) is tried again too.
            let run = HelperExec(argv: ["sh", "-c", script, "sh", token], deadline: end - ContinuousClock.now)
            if await run.run(in: container, client: client)?.exitCode == 0 { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Keeps the first `limit` characters of merged output and counts the rest away.
final class OutputCollector: Sendable {
    private struct State {
        var text = ""
        var characters = 0
        var truncated = false
        var stdout = UTF8StreamDecoder()
        var stderr = UTF8StreamDecoder()
    }
    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ frame: OutputFrame) {
        state.withLock { state in
            guard !state.truncated else { return }
            let text = frame.stream == .stderr ? state.stderr.decode(frame.bytes) : state.stdout.decode(frame.bytes)
            append(text, to: &state)
        }
    }

    func result() -> (String, Bool) {
        state.withLock { state in
            if !state.truncated { append(state.stdout.flush() + state.stderr.flush(), to: &state) }
            return (state.text, state.truncated)
        }
    }

    private func append(_ text: String, to state: inout State) {
        let scalars = text.unicodeScalars.count
        if state.characters + scalars <= limit {
            state.text += text
            state.characters += scalars
        } else {
            let room = limit - state.characters
            state.text.unicodeScalars.append(contentsOf: text.unicodeScalars.prefix(room))
            state.characters = limit
            state.truncated = true
        }
    }
}
