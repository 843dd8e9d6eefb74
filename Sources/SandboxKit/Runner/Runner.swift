import CRunnerProtocol
import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// How a sandbox runs commands: under our supervisor (`runner/sandbox-runner.c`), which is the
/// subreaper of everything a command starts so a timeout or cancel kills all of it, or by plain
/// `docker exec`, where processes are found by an environment marker a command can remove.
public enum ExecutionPath: Sendable, Equatable, CustomStringConvertible {
    /// Through the runner resident in the sandbox: no `docker exec` per command or file.
    case runner
    case exec(reason: String)

    public var description: String {
        switch self {
        case .runner: "runner (resident in the sandbox; every process a command starts is killed at its timeout or cancel)"
        case .exec(let reason): "docker exec only (\(reason)); a command that clears its environment can outlive a timeout"
        }
    }

    /// One line for `sandbox doctor` and the debug log: "runner", "runner: no-subreaper (gVisor)",
    /// "exec: turned off (SANDBOX_RUNNER=off)", "exec: the runner could not start: …".
    static func summary(_ opened: Result<RunnerSession, RunnerUnavailable>) -> String {
        switch opened {
        case .success(let session): session.noSubreaper ? "runner: no-subreaper (gVisor)" : "runner"
        case .failure(let unavailable): "exec: \(unavailable.reason)"
        }
    }
}

/// The supervisor's host-side file. It is a static executable (no libc or packages needed in
/// the image): bind-mounted read-only into the sandboxes we create on a local daemon (no cost
/// at start, and the sandbox cannot replace it), else copied in through the archive API, so it
/// works with any daemon.
enum RunnerBinary {
    /// Where it goes inside a sandbox.
    static let containerPath = "/.sandbox/sandbox-runner"
    /// What `sandbox-runner version` prints, and its greeting says.
    static let version = RUNNER_VERSION
    /// What `init serve` says on stderr when the container's session is over.
    static let sessionOver = SESSION_OVER
    /// Whom its init runs every command and job as.
    static let userFile = USER_FILE
    /// How `kill TOKEN` and `logs ID` say there is no such command or job.
    static let exitNotFound = Int32(EXIT_NOT_FOUND)
    /// Where it goes when the root filesystem is read-only: a writable directory that lets it run.
    static let fallbackName = ".sandbox-runner"
    static func fallbackDirectories(workDir: String) -> [String] {
        ["/tmp", "/run", "/var/tmp", "/dev/shm", workDir]
    }

    /// Looked up once: `$SANDBOX_RUNNER`, next to the running executable (`make build` puts it
    /// there), `../libexec/sandbox/` beside it (`make install`), else the copy built into SandboxKit
    /// (Plugins/RunnerEmbed), written out once per version for a local daemon to bind-mount (``BuiltInRunner``).
    /// `SANDBOX_RUNNER=off` turns it off: every command and file then goes by the Docker API alone.
    static let located: Result<(path: String, data: Data), RunnerUnavailable> = {
        let environment = ProcessInfo.processInfo.environment["SANDBOX_RUNNER"].flatMap { $0.isEmpty ? nil : $0 }
        if environment == "off" { return .failure(RunnerUnavailable(reason: "turned off (SANDBOX_RUNNER=off)")) }
        let executable = ProgramLocation.executableDirectory
        let candidates = environment.map { [$0] } ?? [
            executable.appendingPathComponent("sandbox-runner").path,
            executable.appendingPathComponent("../libexec/sandbox/sandbox-runner").standardizedFileURL.path,
        ]
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path), data.count > 0, data.count < 16 << 20 { return .success((path, data)) }
        }
        if environment != nil {
            return .failure(RunnerUnavailable(reason: "no sandbox-runner binary at \(candidates[0]) (SANDBOX_RUNNER)"))
        }
        guard let data = Data(base64Encoded: EmbeddedRunner.base64), !data.isEmpty else {
            return .failure(RunnerUnavailable(reason: "no sandbox-runner binary at \(candidates.joined(separator: " or ")), and none built in: "
                + (EmbeddedRunner.unavailable ?? "the build embedded none")))
        }
        guard let path = BuiltInRunner.writeOut(data) else {
            return .failure(RunnerUnavailable(reason: "the built-in runner could not be written to a directory of this user's alone ("
                + BuiltInRunner.directories.map(\.path).joined(separator: " or ") + ")"))
        }
        return .success((path, data))
    }()

    /// For `sandbox doctor`: where the runner comes from, or why there is none.
    static var status: String {
        switch located {
        case .success(let found): "\(found.path) (\(found.data.count / 1024) KiB, \(architecture)): commands run under it"
        case .failure(let unavailable): "missing: \(unavailable.reason); commands run by plain docker exec"
        }
    }

    /// The architecture of the daemon's containers, asked once per endpoint (`GET /version`), not
    /// at every placement; nil when the daemon does not say (then the runner is tried).
    static func daemonArchitecture(_ client: DockerClient) async -> String? {
        let key = client.host.description
        if let known = architectures.withLock({ $0[key] }) { return known }
        guard let arch = try? await client.version().arch else { return nil }
        architectures.withLock { $0[key] = arch }
        return arch
    }
    private static let architectures = Mutex<[String: String]>([:])

    /// Whether the runner can be the command of a container on `client`'s daemon: the same
    /// machine's, or one that says it runs our architecture. (One that does not say gets a plain
    /// container, the runner tried after its start: a command that cannot run would fail the start.)
    static func runs(on client: DockerClient) async -> Bool {
        if case .unix = client.host { return true }
        return await daemonArchitecture(client) == architecture
    }

    /// Docker's name (`GET /version` Arch) for the architecture the binary was built for.
    static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }
}

struct RunnerUnavailable: Error, Sendable, Equatable {
    var reason: String
}

extension DockerSandbox {
    /// Puts the supervisor in the container, where it is not bind-mounted already: through the
    /// archive API at ``RunnerBinary/containerPath``, or, where the root filesystem is read-only
    /// (the daemon then refuses archives), piped through `sh` into the first writable directory
    /// that lets it run. A failure says why (no binary here, another architecture, nowhere to put it).
    static func placeRunner(in container: String, workDir: String, client: DockerClient) async -> Result<String, RunnerUnavailable> {
        let binary: Data
        switch RunnerBinary.located {
        case .success(let found): binary = found.data
        case .failure(let unavailable): return .failure(unavailable)
        }
        if let arch = await RunnerBinary.daemonArchitecture(client), arch != RunnerBinary.architecture {
            return .failure(RunnerUnavailable(reason: "the daemon runs \(arch) containers and the runner is built for \(RunnerBinary.architecture)"))
        }
        // Placed already (mounted, or by another process of ours: each `sandbox exec` is a new
        // process): a stat costs a few ms, an archive PUT tens (the daemon re-executes itself).
        for path in [RunnerBinary.containerPath] + RunnerBinary.fallbackDirectories(workDir: workDir).map({ $0 + "/" + RunnerBinary.fallbackName }) {
            if let placed = try? await client.statPath(container, path: path),
               placed.isRegular, placed.size == Int64(binary.count), placed.mode & 0o111 != 0 {
                return .success(path)
            }
        }
        do {
            try await copyRunner(binary, into: container, client: client)
            return .success(RunnerBinary.containerPath)
        } catch {
            let refused = "\(SandboxError.wrap(error))"
            if let path = await placeThroughShell(binary, in: container, workDir: workDir, client: client) { return .success(path) }
            return .failure(RunnerUnavailable(reason: "it could not be placed in the container: \(refused); no writable directory there lets it run either"))
        }
    }

    /// The runner at ``RunnerBinary/containerPath`` through the archive API: into a running
    /// container, or into one created, not started, on a daemon elsewhere (its own command then).
    static func copyRunner(_ binary: Data, into container: String, client: DockerClient) async throws {
        try await placeFile(RunnerBinary.containerPath, ByteBuffer(data: binary), mode: 0o755, in: container, client: client)
    }

    /// The runner piped into `sh` in the container, which writes it to the first candidate
    /// directory where it runs (tmpfs mounts are often `noexec`). Nil when there is none, or no `sh`.
    private static func placeThroughShell(_ binary: Data, in container: String, workDir: String, client: DockerClient) async -> String? {
        let script = #"""
        name=$1; shift; first=
        for d in "$@"; do
          [ -d "$d" ] && [ -w "$d" ] || continue
          f="$d/$name"
          if [ -z "$first" ]; then cat > "$f" || continue; first=$f; elif ! cp "$first" "$f" 2>/dev/null; then continue; fi
          chmod 755 "$f" && [ "$("$f" version 2>/dev/null)" = "$VERSION" ] && { echo "$f"; [ "$f" = "$first" ] || rm -f "$first"; exit 0; }
          [ "$f" = "$first" ] || rm -f "$f"
        done
        [ -n "$first" ] && rm -f "$first"
        exit 1
        """#
        let directories = RunnerBinary.fallbackDirectories(workDir: workDir)
        let run = HelperExec(argv: ["sh", "-c", script, "sh", RunnerBinary.fallbackName] + directories,
                             environment: ["VERSION=\(RunnerBinary.version)"], input: binary, cap: 4096)
        guard let placed = await run.run(in: container, client: client), !placed.overflowed else { return nil }
        let path = placed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return directories.contains(where: { path == $0 + "/" + RunnerBinary.fallbackName }) ? path : nil
    }

    /// One file of ours (the runner, a pool's heartbeat) at an absolute path, its directory 0755.
    static func placeFile(_ path: String, _ data: ByteBuffer, mode: UInt32, mtime: Date = Date(),
                          in container: String, client: DockerClient) async throws {
        let archive = Tar.archive([
            TarEntry(path: String(parent(of: path).dropFirst()), kind: .directory, mode: 0o755, mtime: mtime),
            TarEntry(path: String(path.dropFirst()), mode: mode, mtime: mtime, data: data),
        ])
        try await client.putArchive(container, directory: "/", tar: .bytes(archive))
    }

    /// Ends a command: through its runner when it has one (which kills its whole tree), else, or
    /// when the runner is gone, every process still carrying the command's environment marker.
    /// Each step has ``helperDeadline``: code in the sandbox may have replaced the runner (or `sh`)
    /// with something that never ends, and the caller must still get its answer.
    static func endCommand(token: String, runner: String?, in container: String, client: DockerClient) async {
        if let runner, await HelperExec(argv: [runner, "kill", token]).run(in: container, client: client)?.exitCode == 0 { return }
        await ProcessMarker.kill(token, in: container, client: client)
    }
}

/// A sandbox's runner in one container: its session, opening or open, or why there is none.
final class RunnerSlot: Sendable {
    let container: String
    let session: Task<Result<RunnerSession, RunnerUnavailable>, Never>

    init(container: String, session: Task<Result<RunnerSession, RunnerUnavailable>, Never>) {
        (self.container, self.session) = (container, session)
    }

    /// Closes the session once it is open: the runner then ends whatever it still runs.
    func close() {
        let session = self.session
        Task { if case .success(let open) = await session.value { open.close() } }
    }
}

extension DockerSandbox {
    /// How often a sandbox's runner is started again after something in the sandbox ended it.
    static let runnerRestarts = 3

    /// The runner slot of `container`: placing the runner and opening its session start on first ask.
    func runnerSlot(for container: String) -> RunnerSlot {
        if let runner, runner.container == container { return runner }
        let (client, name, workDir, mounted) = (self.client, self.name, self.workDir, runnerMounted == container)
        let logger = Self.logger(client)
        let sessionLog = sessionLogger(container)
        let session = Task { () -> Result<RunnerSession, RunnerUnavailable> in
            let result: Result<RunnerSession, RunnerUnavailable>
            do {
                let client = try client ?? DockerClient.shared()
                let placed = mounted ? .success(RunnerBinary.containerPath) : await Self.placeRunner(in: container, workDir: workDir, client: client)
                switch placed {
                case .failure(let unavailable): result = .failure(unavailable)
                case .success(let path):
                    result = await Self.actingAsUser(await RunnerSession.open(path: path, container: container, client: client, logger: sessionLog),
                                                     account: { try await self.account() })
                }
            } catch {
                result = .failure(RunnerUnavailable(reason: "\(SandboxError.wrap(error))"))
            }
            logger.info("sandbox \(name) (container \(container.prefix(12))): commands run by \(ExecutionPath.summary(result))")
            return result
        }
        let slot = RunnerSlot(container: container, session: session)
        runner = slot
        return slot
    }

    /// Where a session of `container` says why it ended: the debug log.
    private func sessionLogger(_ container: String) -> @Sendable (String) -> Void {
        let (logger, name) = (Self.logger(client), self.name)
        return { reason in logger.info("sandbox \(name) (container \(container.prefix(12))): runner session over: \(reason)") }
    }

    /// Attaches to `container`, created with the runner as its own command serving its stdin
    /// (`init serve`) and not started yet: this process's first session, with no exec on the
    /// cold path. Nil (the session then opens by exec after the start) when the engine refuses.
    func attachRunner(to container: String, client: DockerClient) async -> RunnerSession? {
        switch await RunnerSession.attach(path: RunnerBinary.containerPath, container: container, client: client, logger: sessionLogger(container)) {
        case .success(let session): return session
        case .failure(let unavailable):
            Self.logger(client).info("sandbox \(name) (container \(container.prefix(12))): no attach to the runner (\(unavailable.reason)); its session opens by exec")
            return nil
        }
    }

    /// The slot of a session ``attachRunner(to:client:)`` made, once `container` started: it
    /// greets, or the session opens by exec as for any other container. The attach is this
    /// process's alone and used once: a session lost later opens by exec (``openSession(for:)``).
    func adoptAttachedRunner(_ attached: RunnerSession, container: String, client: DockerClient) {
        let (name, logger, sessionLog) = (self.name, Self.logger(client), sessionLogger(container))
        runner = RunnerSlot(container: container, session: Task {
            var result = await attached.greeting()
            if case .failure(let unavailable) = result {
                logger.info("sandbox \(name) (container \(container.prefix(12))): the runner it was started with did not greet (\(unavailable.reason)); opening one by exec")
                result = await RunnerSession.open(path: RunnerBinary.containerPath, container: container, client: client, logger: sessionLog)
            }
            result = await Self.actingAsUser(result, account: { try await self.account() })
            logger.info("sandbox \(name) (container \(container.prefix(12))): commands run by \(ExecutionPath.summary(result))")
            return result
        })
    }

    /// The open runner session of `container`, or nil: plain `docker exec`. A session something
    /// in the sandbox ended (killing or replacing the runner) is opened again, a few times.
    func openSession(for container: String) async -> RunnerSession? {
        let slot = runnerSlot(for: container)
        guard case .success(let session) = await slot.session.value else { return nil }
        if session.isOpen { return session }
        guard runner === slot else { return await openSession(for: container) }  // replaced meanwhile
        runnerLosses += 1
        if runnerLosses > Self.runnerRestarts {
            let reason = "something in the sandbox ended the runner \(runnerLosses) times"
            Self.logger(client).warning("sandbox \(name) (container \(container.prefix(12))): \(reason); plain docker exec from now on")
            runner = RunnerSlot(container: container, session: Task { .failure(RunnerUnavailable(reason: reason)) })
            return nil
        }
        runner = nil
        guard case .success(let reopened) = await runnerSlot(for: container).session.value else { return nil }
        return reopened
    }

    /// A pool's waiting sandbox handed over as this one, with its runner's open session and its user.
    func inheritRunner(from member: DockerSandbox) async {
        (runner, resolvedAccount) = await member.releaseRunner()
    }

    private func releaseRunner() -> (RunnerSlot?, SandboxAccount?) {
        defer { runner = nil }
        return (runner, resolvedAccount)
    }

    /// An opened session, told to act as the sandbox's user (when it has one) before anything
    /// else goes on it; one that cannot is no session: file requests must never go as root.
    private static func actingAsUser(_ opened: Result<RunnerSession, RunnerUnavailable>,
                                     account: @Sendable () async throws -> SandboxAccount?) async -> Result<RunnerSession, RunnerUnavailable> {
        guard case .success(let session) = opened else { return opened }
        do {
            if let account = try await account() { try await session.actAs(account) }
            return opened
        } catch {
            session.close()
            return .failure(RunnerUnavailable(reason: "\(SandboxError.wrap(error))"))
        }
    }

    /// How commands run in this sandbox, and why (starts the sandbox if needed).
    public func executionPath() async throws -> ExecutionPath {
        let container = try await containerID()
        if await openSession(for: container) != nil { return .runner }
        guard case .failure(let unavailable) = await runnerSlot(for: container).session.value else { return .runner }
        return .exec(reason: unavailable.reason)
    }

    /// ``executionPath()`` in one line, with what the runner's kernel lacks: what `sandbox
    /// doctor` shows for each sandbox (see ``ExecutionPath/summary(_:)``).
    public func executionSummary() async throws -> String {
        let container = try await containerID()
        if let session = await openSession(for: container) { return ExecutionPath.summary(.success(session)) }
        return ExecutionPath.summary(await runnerSlot(for: container).session.value)
    }
}
