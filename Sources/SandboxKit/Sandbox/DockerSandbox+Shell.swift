import DockerEngine
import Foundation
import NIOCore
import Synchronization

extension DockerSandbox {
    /// Opens an interactive shell on a terminal of its own (`rows` × `columns`, `TERM=term`) in
    /// ``workDir``: `command` as a shell line, or the image's `bash`, else `sh`. Returns once the
    /// terminal has its size, so the first thing the shell reads is right.
    public func openShell(_ command: String? = nil, rows: Int, columns: Int, term: String = "xterm-256color") async throws -> ShellSession {
        let container = try await containerID()
        let client = try docker()
        let token = UUID().uuidString
        let exec: String
        do {
            let (user, account) = (try await execUser(), try await account())
            exec = try await client.createExec(container: container, .init(
                cmd: ["sh", "-c", command ?? ShellSession.defaultShell],
                env: ["TERM=\(term)", "\(ProcessMarker.variable)=\(token)"] + (account?.environment ?? []), workingDir: workDir, user: user,
                attachStdin: true, tty: true))
        } catch {
            throw await explainFailure(error, container: container)
        }
        let session = ShellSession(exec: exec, token: token, container: container, client: client)
        try await session.start(rows: rows, columns: columns)
        return session
    }
}

/// A process on a terminal in a sandbox (``DockerSandbox/openShell(_:rows:columns:term:)``):
/// its output as it comes, input, resizes, and its exit code. ``close()`` ends it, since closing
/// the connection alone leaves a process running in the container.
public final class ShellSession: Sendable {
    /// `bash` where the image has it (`sh` finds it on the PATH), else `sh` itself.
    static let defaultShell = "if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh"

    /// What the terminal shows, in chunks as they arrive; it finishes when the process has ended.
    public let output: AsyncStream<[UInt8]>
    private let outputSink: AsyncStream<[UInt8]>.Continuation
    private let input: AsyncStream<ByteBuffer>.Continuation
    private let inputQueue: AsyncStream<ByteBuffer>
    private let pump = Mutex<Task<Int32, any Error>?>(nil)
    let exec: String, token: String, container: String
    let client: DockerClient

    init(exec: String, token: String, container: String, client: DockerClient) {
        (output, outputSink) = AsyncStream.makeStream()
        (inputQueue, input) = AsyncStream.makeStream()
        (self.exec, self.token, self.container, self.client) = (exec, token, container, client)
    }

    /// Starts the exec and gives its terminal its size before returning.
    fileprivate func start(rows: Int, columns: Int) async throws {
        let started = AsyncStream<Result<Void, any Error>>.makeStream()
        let task = Task { [self] () throws -> Int32 in
            do {
                try await client.withTTYExec(exec) { output, writer in
                    do {
                        try await resizeWhenRunning(rows: rows, columns: columns)
                        started.continuation.yield(.success(()))
                    } catch {
                        started.continuation.yield(.failure(error))
                    }
                    let writing = Task {
                        for await bytes in inputQueue { try await writer.write(bytes) }
                    }
                    defer { writing.cancel() }
                    while let chunk = try await output.next() { outputSink.yield(Array(chunk.readableBytesView)) }
                }
            } catch {
                started.continuation.yield(.failure(SandboxError.wrap(error)))
                outputSink.finish()
                throw SandboxError.wrap(error)
            }
            outputSink.finish()
            return try await exitStatus()
        }
        pump.withLock { $0 = task }
        var results = started.stream.makeAsyncIterator()
        guard let result = await results.next() else { return }
        if case .failure(let error) = result {
            await close()
            throw error
        }
    }

    /// The daemon starts the process just after it hands the connection over, and refuses to
    /// resize one not yet running: try for a moment, as the Docker CLI does. One that has
    /// already ended is gone from the daemon's table ("no such exec"): nothing to resize.
    private func resizeWhenRunning(rows: Int, columns: Int) async throws {
        guard rows > 0, columns > 0 else { return }
        for attempt in 1...20 {
            do { return try await client.resizeExec(exec, height: rows, width: columns) } catch DockerError.notFound {
                return
            } catch {
                if attempt == 20 { throw SandboxError.wrap(error) }
                try await Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }

    /// Sends keys (or pasted text) to the process.
    public func write(_ bytes: [UInt8]) { input.yield(ByteBuffer(bytes: bytes)) }

    /// The terminal becomes `rows` × `columns`; the process gets SIGWINCH.
    public func resize(rows: Int, columns: Int) async throws {
        guard rows > 0, columns > 0 else { return }
        do { try await client.resizeExec(exec, height: rows, width: columns) } catch { throw SandboxError.wrap(error) }
    }

    /// Waits for the process to end and returns its exit code.
    public func exitCode() async throws -> Int32 {
        guard let task = pump.withLock({ $0 }) else { throw SandboxError.commandFailed("the shell never started") }
        return try await task.value
    }

    /// Ends the process (and all it started) if it still runs, and the connection.
    public func close() async {
        input.finish()
        if (try? await client.inspectExec(exec).running) == true {
            await ProcessMarker.kill(token, in: container, client: client)
        }
        pump.withLock { $0 }?.cancel()
        outputSink.finish()
    }

    /// The exit code once the daemon has recorded it (it can lag the end of the stream briefly).
    private func exitStatus() async throws -> Int32 {
        for _ in 0..<50 {
            let inspect: ExecInspect
            do { inspect = try await client.inspectExec(exec) } catch { throw SandboxError.wrap(error) }
            if !inspect.running, let code = inspect.exitCode { return Int32(truncatingIfNeeded: code) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SandboxError.commandFailed("the daemon did not report an exit code for the shell")
    }
}
