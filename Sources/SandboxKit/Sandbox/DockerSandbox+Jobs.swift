import DockerEngine
import Foundation

/// A background job (runner/job.c): a command that outlives the client that started it. Its
/// state and output (the last 1 MiB) are kept inside the sandbox, so another process, or this
/// one after a restart, reads them; it ends with the sandbox or on ``DockerSandbox/killJob(_:)``.
public struct SandboxJob: Sendable, Equatable, Identifiable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case running
        case exited(Int32)
        /// It ended without recording an exit: with the sandbox, or killed from outside.
        case lost

        public var description: String {
            switch self {
            case .running: "running"
            case .exited(let code): "exited \(code)"
            case .lost: "lost"
            }
        }
    }

    /// Its number in the sandbox: 1, 2, …
    public let id: Int
    public let state: State
    /// The pid of its supervisor inside the sandbox.
    public let pid: Int
    public let started: Date
    public let command: String

    public init(id: Int, state: State, pid: Int, started: Date, command: String) {
        (self.id, self.state, self.pid, self.started, self.command) = (id, state, pid, started, command)
    }

    /// A line of `sandbox-runner jobs`: ID, STATE, PID, STARTED (Unix seconds), EXIT, COMMAND,
    /// tab-separated. Nil for anything else (it comes from inside the sandbox).
    init?(line: Substring) {
        let fields = line.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, let id = Int(fields[0]), let pid = Int(fields[2]),
              let started = Double(fields[3]), started.isFinite else { return nil }
        let state: State
        switch fields[1] {
        case "running": state = .running
        case "lost": state = .lost
        case "exited":
            guard let code = Int32(fields[4]) else { return nil }
            state = .exited(code)
        default: return nil
        }
        self.init(id: id, state: state, pid: pid, started: Date(timeIntervalSince1970: started), command: String(fields[5]))
    }
}

extension DockerSandbox {
    /// The most of a job's output the sandbox keeps, and a read returns.
    public static let jobLogLimit = 1024 * 1024

    /// Starts `command` (`sh -c`, in ``workDir``) as a background job and returns its number at once.
    public func startJob(_ command: String) async throws -> Int {
        guard !command.trimmingCharacters(in: .whitespaces).isEmpty else { throw SandboxError.invalidArgument("give a command to run as a job") }
        guard !command.contains("\0") else { throw SandboxError.invalidArgument("a command cannot hold a NUL character") }
        let result = try await runRunner(["job", "--", "sh", "-c", command])
        let answer = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.exitCode == 0, let id = Int(answer), id > 0 else {
            throw SandboxError.commandFailed("the job did not start in \(name): \(answer.prefix(300))")
        }
        return id
    }

    /// The jobs of this sandbox, oldest first (finished ones are kept until sixteen newer have finished).
    public func jobs() async throws -> [SandboxJob] {
        let result = try await runRunner(["jobs"])
        guard result.exitCode == 0 else { throw SandboxError.commandFailed("listing the jobs of \(name) failed: \(result.output.prefix(300))") }
        return result.output.split(separator: "\n").compactMap(SandboxJob.init(line:))
    }

    /// Ends job `id` and every process it started (however it detached them).
    public func killJob(_ id: Int) async throws {
        guard let job = try await jobs().first(where: { $0.id == id }) else { throw noJob(id) }
        guard job.state == .running else { throw SandboxError.invalidArgument("job \(id) in \(name) has already ended (\(job.state))") }
        let (path, container) = try await jobRunner()
        await Self.endCommand(token: "job-\(id)", runner: path, in: container, client: try docker())
        // Its daemon records the exit once the last output is kept: a moment after the kill.
        for _ in 0..<100 {
            if try await jobs().first(where: { $0.id == id })?.state != .running { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SandboxError.commandFailed("job \(id) in \(name) did not end when killed; stop the sandbox to end it")
    }

    /// What job `id` printed (stdout and stderr merged), as kept in the sandbox: the last MiB.
    public func jobLog(_ id: Int) async throws -> String {
        var log = ""
        for try await text in followJob(id, follow: false) {
            log += text
            // The sandbox keeps a MiB; more is something in it misbehaving.
            if log.utf8.count > 2 * Self.jobLogLimit { log = String(log.suffix(Self.jobLogLimit)) }
        }
        return log
    }

    /// Job `id`'s kept output, then what it prints as it prints it, until the job ends (or the
    /// consuming task is cancelled). With `follow` false, only what is kept now.
    public nonisolated func followJob(_ id: Int, follow: Bool = true) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let (path, _) = try await self.jobRunner()
                    let words = [path, "logs", String(id)] + (follow ? ["-f"] : [])
                    let complaint = OutputCollector(limit: 300)
                    let exit = try await self.execute(argv: words) { event in
                        switch event {
                        case .stdout(let text): continuation.yield(text)
                        case .stderr(let text): complaint.append(OutputFrame(stream: .stderr, bytes: .init(string: text)))
                        case .exit: break
                        }
                    }
                    if exit.exitCode == RunnerBinary.exitNotFound { throw await self.noJob(id) }
                    if exit.exitCode != 0 {
                        throw SandboxError.commandFailed("reading job \(id)'s output failed (exit \(exit.exitCode)): \(complaint.result().0)")
                    }
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

    /// The runner's path in the container, which jobs and forwarded ports need.
    func jobRunner() async throws -> (path: String, container: String) {
        let container = try await containerID()
        if let session = await openSession(for: container) { return (session.path, container) }
        let reason = if case .failure(let why) = await runnerSlot(for: container).session.value { why.reason } else { "its session closed" }
        throw SandboxError.commandFailed("background jobs and forwarded ports need the sandbox's runner, which \(name) cannot use: \(reason)")
    }

    /// `sandbox-runner WORDS…` through the runner's session, as an argv (no shell, no quoting),
    /// its output capped as `execute`'s.
    private func runRunner(_ words: [String]) async throws -> ExecuteResult {
        let (path, _) = try await jobRunner()
        return try await execute(argv: [path] + words)
    }

    private func noJob(_ id: Int) -> SandboxError {
        .invalidArgument("no job \(id) in \(name); `jobs` lists them")
    }
}
