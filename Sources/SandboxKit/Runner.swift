import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// How a sandbox runs commands: under our supervisor (`runner/sandbox-runner.c`), which is the
/// subreaper of everything a command starts so a timeout or cancel kills all of it, or by plain
/// `docker exec`, where processes are found by an environment marker a command can remove.
public enum ExecutionPath: Sendable, Equatable, CustomStringConvertible {
    case runner
    case exec(reason: String)

    public var description: String {
        switch self {
        case .runner: "runner (every process a command starts is killed at its timeout or cancel)"
        case .exec(let reason): "docker exec only (\(reason)); a command that clears its environment can outlive a timeout"
        }
    }
}

/// The supervisor's host-side file. It is a static executable (no libc or packages needed in
/// the image), copied into each sandbox through the archive API, so it works with any daemon.
enum RunnerBinary {
    /// Where it goes inside a sandbox.
    static let containerPath = "/.sandbox/sandbox-runner"

    /// Looked up once: `$SANDBOX_RUNNER`, next to the running executable (`make build` puts it
    /// there), or `../libexec/sandbox/` beside it (`make install`).
    static let located: Result<Data, RunnerUnavailable> = {
        let environment = ProcessInfo.processInfo.environment["SANDBOX_RUNNER"].flatMap { $0.isEmpty ? nil : $0 }
        let executable = ProgramLocation.executableDirectory
        let candidates = environment.map { [$0] } ?? [
            executable.appendingPathComponent("sandbox-runner").path,
            executable.appendingPathComponent("../libexec/sandbox/sandbox-runner").standardizedFileURL.path,
        ]
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path), data.count > 0, data.count < 16 << 20 { return .success(data) }
        }
        return .failure(RunnerUnavailable(reason: "no sandbox-runner binary at \(candidates.joined(separator: " or ")); build it with `make runner` or set SANDBOX_RUNNER"))
    }()

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
    /// Copies the supervisor into the container. Nil (with the reason recorded) when it cannot
    /// run there: no binary on this host, another architecture, or a read-only filesystem.
    static func placeRunner(in container: String, client: DockerClient) async -> Result<String, RunnerUnavailable> {
        let binary: Data
        switch RunnerBinary.located {
        case .success(let data): binary = data
        case .failure(let unavailable): return .failure(unavailable)
        }
        if let arch = try? await client.version().arch, arch != RunnerBinary.architecture {
            return .failure(RunnerUnavailable(reason: "the daemon runs \(arch) containers and the runner is built for \(RunnerBinary.architecture)"))
        }
        let directory = String(parent(of: RunnerBinary.containerPath).dropFirst())
        let archive = Tar.archive([
            TarEntry(path: directory, kind: .directory, mode: 0o755),
            TarEntry(path: String(RunnerBinary.containerPath.dropFirst()), mode: 0o755, data: ByteBuffer(data: binary)),
        ])
        do {
            try await client.putArchive(container, directory: "/", tar: .bytes(archive))
        } catch {
            return .failure(RunnerUnavailable(reason: "it could not be placed in the container: \(SandboxError.wrap(error))"))
        }
        return .success(RunnerBinary.containerPath)
    }

    /// Ends a command: through its runner when it has one (which kills its whole tree), else, or
    /// when the runner is gone, every process still carrying the command's environment marker.
    static func endCommand(token: String, runner: String?, in container: String, client: DockerClient) async {
        if let runner,
           let exec = try? await client.createExec(container: container, .init(cmd: [runner, "kill", token])),
           let output = try? await client.startExec(exec) {
            do { for try await _ in output {} } catch {}
            if (try? await client.inspectExec(exec).exitCode) == 0 { return }
        }
        await ProcessMarker.kill(token, in: container, client: client)
    }
}

/// Holds back the output of a runner exec that may not have started, which must not reach the
/// caller (the command then runs again without the runner). The daemon reports a runner the OCI
/// runtime refused as "OCI runtime exec failed: …" with no process (pid 0); one the kernel cannot
/// execute (another format, a file something in the sandbox put there) as "exec PATH: …", exit 1.
final class RunnerStartGate: Sendable {
    private struct State {
        var held: [OutputFrame] = []
        var holding = false
        var seenFirst = false
    }
    private let state = Mutex(State())
    private let prefixes: [String]

    init(runner: String) { prefixes = ["OCI runtime", "exec \(runner): "] }

    /// True when the frame is held rather than delivered.
    func hold(_ frame: OutputFrame) -> Bool {
        state.withLock { state in
            if !state.seenFirst {
                state.seenFirst = true
                state.holding = prefixes.contains { frame.bytes.readableBytesView.starts(with: $0.utf8) }
            }
            if state.holding { state.held.append(frame) }
            return state.holding
        }
    }

    var held: [OutputFrame] { state.withLock { $0.held } }

    /// Why the runner did not start, when the finished exec shows it did not.
    func failure(_ inspect: ExecInspect) -> RunnerUnavailable? {
        let held = self.held
        guard !held.isEmpty, inspect.pid == 0 || inspect.exitCode == 1 else { return nil }
        let text = held.map { String(buffer: $0.bytes) }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
        return RunnerUnavailable(reason: "the runner could not start: \(text)")
    }
}
