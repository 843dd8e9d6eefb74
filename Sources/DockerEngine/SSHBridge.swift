import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A daemon behind `ssh://`: as the docker CLI does, each connection is `ssh HOST docker system
/// dial-stdio`, and HTTP runs over its stdin and stdout. The bridge listens on a private unix
/// socket so that every client of ours (AsyncHTTPClient's pool, attached execs) connects as to a
/// local daemon; ssh's ControlMaster keeps one authenticated connection for all of them (a fresh
/// ssh per connection costs a key exchange each: see BENCHMARKS.md).
final class SSHBridge: Sendable {
    private let directory: String
    private let arguments: [String]
    var socketPath: String { directory + "/docker.sock" }
    /// What the last ssh that failed said on stderr ("Permission denied (publickey)."), verbatim.
    private let lastError = Mutex<String?>(nil)
    private let listener: Mutex<(any Channel)?> = Mutex(nil)

    init(user: String?, host: String, port: Int?, socket: String?) {
        // A private directory (0700) for the socket and ssh's control socket; made now, used at start.
        var template = Array((NSTemporaryDirectory() + "/sandbox-ssh-XXXXXX").utf8CString)
        directory = mkdtemp(&template).map { String(cString: $0) } ?? NSTemporaryDirectory() + "/sandbox-ssh-\(getpid())"
        // ssh reads the user's own config; SANDBOX_SSH_CONFIG names another (tests, CI).
        let config = ProcessInfo.processInfo.environment["SANDBOX_SSH_CONFIG"].flatMap { $0.isEmpty ? nil : ["-F", $0] } ?? []
        var arguments = config + ["-o", "ControlMaster=auto", "-o", "ControlPath=\(directory)/control", "-o", "ControlPersist=60",
                         "-o", "BatchMode=yes"]
        if let port { arguments += ["-p", String(port)] }
        if let user { arguments += ["-l", user] }
        arguments += ["--", host, "docker"]
        if let socket { arguments += ["--host", "unix://" + socket] }
        self.arguments = arguments + ["system", "dial-stdio"]
    }

    /// Starts listening; connections are bridged until the process ends.
    func start() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child,
                                                                configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        listener.withLock { $0 = server.channel }
        Task {
            try? await server.executeThenClose { connections in
                for try await connection in connections { Task { await self.bridge(connection) } }
            }
        }
    }

    /// The failure ssh printed last, for the error a person sees.
    var lastFailure: String? { lastError.withLock { $0 } }

    private func bridge(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let ssh: SpawnedSSH
        do { ssh = try SpawnedSSH(arguments: arguments) } catch {
            lastError.withLock { $0 = "cannot run ssh: \(error)" }
            try? await connection.executeThenClose { _, _ in }
            return
        }
        do {
            let pipe = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptors(input: ssh.stdout, output: ssh.stdin) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                    configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
            try await connection.executeThenClose { fromClient, toClient in
                try await pipe.executeThenClose { fromSSH, toSSH in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await bytes in fromClient { try await toSSH.write(bytes) }
                            toSSH.finish()
                        }
                        group.addTask {
                            for try await bytes in fromSSH { try await toClient.write(bytes) }
                            // ssh's words are recorded before our client sees the connection end.
                            await self.record(ssh)
                            toClient.finish()
                        }
                        try await group.waitForAll()
                    }
                }
            }
        } catch {
            await record(ssh)
        }
    }

    private func record(_ ssh: SpawnedSSH) async {
        let (status, stderr) = await ssh.finish()
        if status != 0, !stderr.isEmpty { lastError.withLock { $0 = stderr } }
    }
}

/// One `ssh` process with its stdin, stdout and stderr on pipes of ours (posix_spawn, not
/// Foundation's Process: ssh's ControlMaster forks into the background, which Process mishandles).
private final class SpawnedSSH: Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32
    private let outcome = Mutex<Task<(Int32, String), Never>?>(nil)

    init(arguments: [String]) throws {
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for fd in input + output + errors { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = (["ssh"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "ssh", &actions, nil, argv, environ)
        close(input[0]); close(output[1]); close(errors[1])
        guard spawned == 0 else {
            close(input[1]); close(output[0]); close(errors[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        (self.pid, self.stdin, self.stdout, self.stderr) = (pid, input[1], output[0], errors[0])
    }

    /// Waits for ssh to exit (on a thread of its own: waitpid blocks) and returns its status and
    /// what it had printed on stderr (at most 4 KiB). Not read to its end: a ControlPersist master
    /// forked off this ssh keeps stderr open for as long as it lives.
    func finish() async -> (Int32, String) {
        let task = outcome.withLock { task in
            if let task { return task }
            let started = Task { await self.reap() }
            task = started
            return started
        }
        return await task.value
    }

    private func reap() async -> (Int32, String) {
        let (pid, stderr) = (self.pid, self.stderr)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                _ = fcntl(stderr, F_SETFL, fcntl(stderr, F_GETFL) | O_NONBLOCK)
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(stderr, &buffer, buffer.count)
                close(stderr)
                let message = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), message))
            }
        }
    }
}
