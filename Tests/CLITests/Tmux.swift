import Foundation
import Testing

/// Drives a program in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads.
/// Each instance has a tmux server of its own (`-L`), killed with it: a server already running
/// would lend the test its environment and options.
final class Tmux {
    let session = "sandbox-test-\(UUID().uuidString.prefix(8))"
    private var server: String { session }

    init(_ command: String, width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        // -u and a UTF-8 locale: CI runs with no LANG, which would put tmux and the program in ASCII mode.
        var args = ["-u", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        for (key, value) in ["LANG": "C.UTF-8"].merging(environment, uniquingKeysWith: { $1 }) { args += ["-e", "\(key)=\(value)"] }
        try tmux(args + [command + "; echo '[exited]' $?; sleep 600"], capture: false)
    }

    /// kill-session, not kill-server: tmux 3.3's kill-server signals itself with SIGTERM, which a
    /// server started from the test runner may have blocked; the server exits with its last session.
    deinit { _ = try? tmux(["kill-session", "-t", session]) }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }
    /// Sends raw bytes (an escape sequence no key name produces).
    func sendBytes(_ bytes: [UInt8]) throws {
        try tmux(["send-keys", "-t", session, "-H"] + bytes.map { String($0, radix: 16) })
    }
    /// Types text literally (no key-name interpretation).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }
    func resize(width: Int, height: Int) throws { try tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"]) }
    /// The program's pid: the child of the pane's shell (signalling by name would also hit the
    /// shell and the tmux server, whose command lines contain the program's).
    func programPID() throws -> pid_t {
        let shell = try tmux(["display-message", "-p", "-t", session, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try spawn(["/usr/bin/pgrep", "-P", shell], capture: true).split(separator: "\n").first
        guard let pid = child.flatMap({ pid_t($0) }) else { throw POSIXError(.ESRCH) }
        return pid
    }

    /// The pane's terminal device, to read its modes with `stty -F`.
    func paneTTY() throws -> String {
        try tmux(["display-message", "-p", "-t", session, "#{pane_tty}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func screen(colors: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", session] + (colors ? ["-e"] : []))
    }

    /// Polls the screen until `predicate` holds and returns it; on timeout throws, with the
    /// screen as it was and where the wait was called.
    @discardableResult
    func wait(timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation,
              for predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TimedOut(seconds: timeout, location: sourceLocation, screen: last)
    }

    struct TimedOut: Error, CustomStringConvertible {
        var seconds: Double
        var location: SourceLocation
        var screen: String
        var description: String { "waited \(seconds) s at \(location.fileName):\(location.line) in vain; the screen:\n\(screen)" }
    }

    /// Waits until the last non-empty line is a prompt ending in `suffix`: the program is
    /// reading again, so what is typed next is not type-ahead.
    @discardableResult
    func waitForPrompt(_ suffix: String = ">", timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try wait(timeout: timeout, sourceLocation: sourceLocation) { screen in
            screen.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.hasSuffix(suffix) ?? false
        }
    }

    @discardableResult
    private func tmux(_ args: [String], capture: Bool = true) throws -> String {
        try spawn(["/usr/bin/tmux", "-L", server] + args, capture: capture)
    }
}

/// Runs a program and returns its standard output, through posix_spawn and waitpid: Foundation's
/// Process can miss the exit of a tmux client that has just forked the server (seen on a fresh
/// machine: the client defunct, `waitUntilExit` never returning). swiftlang/swift-subprocess
/// (tried at 1.0.x: 20 runs of this file's tmux start, capture and kill, none hung, even with the
/// forking client's output captured) does the same job, but only as `async` calls, which would
/// make every terminal test async for these thirty lines, and it adds 10 s to a clean debug build
/// here (its swift-system is built already).
func spawn(_ argv: [String], capture: Bool) throws -> String {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // dup2 onto 1 clears it for the child's copy
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture {
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
    close(fds[1])
    defer { close(fds[0]) }
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT) }
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fds[0], &buffer, buffer.count)
        if count > 0 { output.append(contentsOf: buffer[0..<count]); continue }
        if count < 0 && errno == EINTR { continue }
        break
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return String(decoding: output, as: UTF8.self)
}
