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
    static let located: Result<(path: String, data: Data), RunnerUnavailable> = {
        let environment = ProcessInfo.processInfo.environment["SANDBOX_RUNNER"].flatMap { $0.isEmpty ? nil : $0 }
        let executable = ProgramLocation.executableDirectory
        let candidates = environment.map { [$0] } ?? [
            executable.appendingPathComponent("sandbox-runner").path,
            executable.appendingPathComponent("../libexec/sandbox/sandbox-runner").standardizedFileURL.path,
        ]
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path), data.count > 0, data.count < 16 << 20 { return .success((path, data)) }
        }
        return .failure(RunnerUnavailable(reason: "no sandbox-runner binary at \(candidates.joined(separator: " or ")); build it with `make runner` or set SANDBOX_RUNNER"))
    }()

    /// For `sandbox doctor`: where the runner comes from, or why there is none.
    static var status: String {
        switch located {
        case .success(let found): "\(found.path) (\(found.data.count / 1024) KiB, \(architecture)): commands run under it"
        case .failure(let unavailable): "missing: \(unavailable.reason); commands run by plain docker exec"
        }
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
    /// Copies the supervisor into the container. Nil (with the reason recorded) when it cannot
    /// run there: no binary on this host, another architecture, or a read-only filesystem.
    static func placeRunner(in container: String, client: DockerClient) async -> Result<String, RunnerUnavailable> {
        let binary: Data
        switch RunnerBinary.located {
        case .success(let found): binary = found.data
        case .failure(let unavailable): return .failure(unavailable)
        }
        if let arch = try? await client.version().arch, arch != RunnerBinary.architecture {
            return .failure(RunnerUnavailable(reason: "the daemon runs \(arch) containers and the runner is built for \(RunnerBinary.architecture)"))
        }
        // Another process of ours placed it already (each `sandbox exec` is a new process): a stat
        // costs a few ms, an archive PUT tens (the daemon re-executes itself to unpack it).
        if let placed = try? await client.statPath(container, path: RunnerBinary.containerPath),
           placed.isRegular, placed.size == Int64(binary.count), placed.mode & 0o777 == 0o755 {
            return .success(RunnerBinary.containerPath)
        }
        do {
            try await placeFile(RunnerBinary.containerPath, ByteBuffer(data: binary), mode: 0o755, in: container, client: client)
        } catch {
            return .failure(RunnerUnavailable(reason: "it could not be placed in the container: \(SandboxError.wrap(error))"))
        }
        return .success(RunnerBinary.containerPath)
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
        if let runner {
            let ended = await withDeadline(helperDeadline) { () -> Bool in
                guard let exec = try? await client.createExec(container: container, .init(cmd: [runner, "kill", token])),
                      let output = try? await client.startExec(exec) else { return false }
                do { for try await _ in output {} } catch {}
                return (try? await client.inspectExec(exec).exitCode) == 0
            }
            if ended == true { return }
        }
        _ = await withDeadline(helperDeadline) { await ProcessMarker.kill(token, in: container, client: client) }
    }
}

/// Holds back the first output of a runner exec until it is known that the runner started: an
/// exec the OCI runtime refused (the runner not executable there) has no process (pid 0) and
/// only the runtime's "OCI runtime exec failed: …" as output, and then, as nothing ran, the
/// command runs again without the runner. Whatever a command prints, it cannot make that
/// happen: its exec has a pid. At most ``limit`` bytes are held.
final class RunnerStartGate: Sendable {
    private struct State {
        var held: [OutputFrame] = []
        var heldBytes = 0
        var holding = false
        var seenFirst = false
    }
    private let state = Mutex(State())
    static let limit = 4096

    /// The frames to hand on now: none while holding; all that was held once past the limit.
    func pass(_ frame: OutputFrame) -> [OutputFrame] {
        state.withLock { state in
            if !state.seenFirst {
                state.seenFirst = true
                state.holding = frame.bytes.readableBytesView.starts(with: "OCI runtime".utf8)
            }
            guard state.holding else { return [frame] }
            state.held.append(frame)
            state.heldBytes += frame.bytes.readableBytes
            guard state.heldBytes > Self.limit else { return [] }
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
    }

    /// Why the runner did not start, when the finished exec had no process; else nil, and the
    /// held frames go out with ``release()``.
    func failure(_ inspect: ExecInspect) -> RunnerUnavailable? {
        state.withLock { state in
            guard state.holding, inspect.pid == 0 else { return nil }
            let text = state.held.map { String(buffer: $0.bytes) }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
            return RunnerUnavailable(reason: "the runner could not start: \(text)")
        }
    }

    func release() -> [OutputFrame] {
        state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
    }
}
