import Crypto
import Foundation
import NIOCore
import Synchronization

/// A daemon behind `ssh://`: as the docker CLI does, each connection is `ssh HOST docker system
/// dial-stdio`, and HTTP runs over its stdin and stdout. The bridge listens on a private unix
/// socket so that every client of ours (AsyncHTTPClient's pool, attached execs) connects as to a
/// local daemon; ssh's ControlMaster keeps one authenticated connection for all of them, and for
/// our other programs (a fresh ssh per connection costs a key exchange each: see BENCHMARKS.md).
/// Each accepted connection is ssh's stdin and stdout itself, so its bytes go straight between
/// our client and ssh (the master reads the socket it is handed), never through a copy of ours.
final class SSHBridge: Sendable {
    private let directory: String
    private let arguments: [String]
    var socketPath: String { directory + "/docker.sock" }
    /// What the last ssh that failed said on stderr ("Permission denied (publickey)."), verbatim.
    private let lastError = Mutex<String?>(nil)
    /// The pipe whose write end ``stop()`` writes to, waking the accepting thread to close up.
    private let wake = Mutex<(read: Int32, write: Int32)?>(nil)

    init(user: String?, host: String, port: Int?, socket: String?) {
        // A private directory (0700) for the socket; made now, used at start.
        var template = Array((NSTemporaryDirectory() + "/sandbox-ssh-XXXXXX").utf8CString)
        directory = mkdtemp(&template).map { String(cString: $0) } ?? NSTemporaryDirectory() + "/sandbox-ssh-\(getpid())"
        // ssh reads the user's own config; SANDBOX_SSH_CONFIG names another (tests, CI).
        var destination = ProcessInfo.processInfo.environment["SANDBOX_SSH_CONFIG"].flatMap { $0.isEmpty ? nil : ["-F", $0] } ?? []
        if let port { destination += ["-p", String(port)] }
        if let user { destination += ["-l", user] }
        destination += ["--", host]
        // One control socket for every program of ours reaching this daemon this way: a new one
        // (each `sandbox exec`) finds the connection a previous one left (ControlPersist), its key
        // exchange done and its TCP window grown, where a fresh one pays both on its first call.
        let shared = Self.sharedControlDirectory().map { directory in
            directory + "/" + SHA256.hash(data: Data(destination.joined(separator: "\0").utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        }
        var arguments = ["-o", "ControlMaster=auto", "-o", "ControlPath=\(shared ?? directory + "/control")", "-o", "ControlPersist=60",
                         "-o", "BatchMode=yes"] + destination + ["docker"]
        if let socket { arguments += ["--host", "unix://" + socket] }
        self.arguments = arguments + ["system", "dial-stdio"]
    }

    /// A directory of this user's alone for ssh's control sockets, the same for every program of
    /// theirs (`$XDG_RUNTIME_DIR/sandbox-ssh`, else `sandbox-ssh-UID` in the temporary directory);
    /// nil when it is someone else's or open to others: a control socket there could be a
    /// stranger's master, which would see our traffic.
    private static func sharedControlDirectory() -> String? {
        let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 + "/sandbox-ssh" }
        let path = runtime ?? NSTemporaryDirectory() + "/sandbox-ssh-\(geteuid())"
        _ = mkdir(path, 0o700)
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else { return nil }
        return path
    }

    /// Starts listening; connections are bridged until the process ends, accepted on a thread of
    /// their own (it waits in poll).
    func start() async throws {
        let listener = try Self.listen(at: socketPath)
        var ends: [Int32] = [-1, -1]
        try SpawnedSSH.descriptors.withLock { _ in
            guard pipe(&ends) == 0 else {
                close(listener)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE)
            }
            for fd in ends { _ = SpawnedSSH.closedOnExec(fd) }
        }
        let (stopped, stopping) = (ends[0], ends[1])
        wake.withLock { $0 = (stopped, stopping) }
        Thread.detachNewThread { self.acceptConnections(on: listener, until: stopped) }
    }

    /// Stops accepting, and removes the socket and the private directory (ssh's that are running
    /// keep their connections). For a client's shutdown; a bridge never started only has its directory.
    func stop() {
        if let ends = wake.withLock({ ends in defer { ends = nil }; return ends }) {
            var byte: UInt8 = 0
            _ = write(ends.write, &byte, 1)
            close(ends.write)
        } else {
            removeDirectory()
        }
    }

    private func removeDirectory() {
        unlink(socketPath)
        unlink(directory + "/control")
        rmdir(directory)
    }

    /// The failure ssh printed last, for the error a person sees.
    var lastFailure: String? { lastError.withLock { $0 } }

    /// A unix socket listening at `path` (a stale file there is replaced), non-blocking.
    private static func listen(at path: String) throws -> Int32 {
        let address = try SocketAddress(unixDomainSocketPath: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        unlink(path)
        guard address.withSockAddr({ bind(fd, $0, socklen_t($1)) }) == 0, Glibc.listen(fd, SOMAXCONN) == 0 else {
            let failure = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
        return fd
    }

    private func acceptConnections(on listener: Int32, until stopped: Int32) {
        defer {
            close(listener)
            close(stopped)
            removeDirectory()
        }
        while true {
            var ready = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: stopped, events: Int16(POLLIN), revents: 0)]
            _ = poll(&ready, 2, -1)
            if ready[1].revents != 0 { return }
            // The accept (of a connection that blocks, as a terminal's stdin would: ssh sets what
            // it needs on the descriptors it takes) under the lock, waiting only for it.
            let (connection, failure) = SpawnedSSH.descriptors.withLock { _ in (SpawnedSSH.closedOnExec(accept(listener, nil, nil)), errno) }
            if connection >= 0 {
                bridge(connection)
            } else if ![EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED].contains(failure) {
                // Out of descriptors: the client waits in the backlog while we pause, not spin.
                lastError.withLock { $0 = "cannot accept a connection: \(String(cString: strerror(failure)))" }
                usleep(100_000)
            }
        }
    }

    /// Runs ssh on `connection`. Our copy of it stays open until ssh has ended and its words are
    /// recorded, so that our client sees the connection end only after them.
    private func bridge(_ connection: Int32) {
        do {
            let ssh = try SpawnedSSH(arguments: arguments, connection: connection)
            Thread.detachNewThread {
                let (status, stderr) = ssh.finish()
                if status != 0, !stderr.isEmpty { self.lastError.withLock { $0 = stderr } }
                close(connection)
            }
        } catch {
            lastError.withLock { $0 = "cannot run ssh: \(error)" }
            close(connection)
        }
    }
}

/// One `ssh` process with a connection of ours as its stdin and stdout and its stderr on a pipe
/// (posix_spawn, not Foundation's Process: ssh's ControlMaster forks into the background, which
/// Process mishandles).
private struct SpawnedSSH: Sendable {
    let pid: pid_t
    let stderr: Int32
    /// Held while a descriptor of ours is made and marked close-on-exec (Glibc offers no accept4
    /// or pipe2 to Swift) and while ssh is spawned: no ssh inherits another's connection, which
    /// would then not end when its own ssh does.
    static let descriptors = Mutex(())

    static func closedOnExec(_ fd: Int32) -> Int32 {
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fd
    }

    init(arguments: [String], connection: Int32) throws {
        var errors: [Int32] = [-1, -1]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, connection, 0)
        posix_spawn_file_actions_adddup2(&actions, connection, 1)
        let argv = (["ssh"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = try Self.descriptors.withLock { _ in
            guard pipe(&errors) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
            for fd in errors { _ = Self.closedOnExec(fd) }
            posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
            return posix_spawnp(&pid, "ssh", &actions, nil, argv, environ)
        }
        close(errors[1])
        guard spawned == 0 else {
            close(errors[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        (self.pid, self.stderr) = (pid, errors[0])
    }

    /// Waits for ssh to exit (blocking: called on a thread of its own) and returns its status and
    /// what it had printed on stderr (at most 4 KiB). Not read to its end: a ControlPersist master
    /// forked off this ssh keeps stderr open for as long as it lives.
    func finish() -> (Int32, String) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        _ = fcntl(stderr, F_SETFL, fcntl(stderr, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(stderr, &buffer, buffer.count)
        close(stderr)
        let message = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), message)
    }
}
