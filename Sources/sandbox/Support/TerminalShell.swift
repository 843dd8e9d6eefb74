import Foundation
import SandboxKit
import Signals
import Synchronization

/// A shell in a sandbox on this process's own terminal (`sandbox shell`, the REPL's `shell`):
/// the terminal in raw mode while it runs (every key, Ctrl-C included, goes to the shell), its
/// size followed, and put back however the shell ends. SIGTERM, SIGHUP and SIGINT end the shell
/// in the sandbox too (closing the connection alone would leave it running there).
enum TerminalShell {
    enum Ending: Equatable {
        case exited(Int32)
        /// Ended by this signal: the caller ends the process by it (``SignalSource/reraise(_:)``).
        case signalled(Int32)
    }

    /// The terminal's modes before the first shell; restored on a signal with no shell open.
    private static let cooked = Mutex<termios?>(nil)
    private static let active = Mutex<ShellSession?>(nil)
    private static let signalled = Atomic<Int32>(0)
    private static let watch = SignalSource.watch([SIGWINCH, SIGTERM, SIGHUP, SIGINT]) { number in
        let shell = active.withLock { $0 }
        if number == SIGWINCH {
            if let shell, let size = size() { Task { try? await shell.resize(rows: size.rows, columns: size.columns) } }
            return
        }
        guard let shell else {
            // No shell open: what the signal would have done (SIGINT is the REPL's to handle).
            guard number != SIGINT else { return }
            if var modes = cooked.withLock({ $0 }) { tcsetattr(STDIN_FILENO, TCSANOW, &modes) }
            SignalSource.reraise(number)
        }
        signalled.store(number, ordering: .sequentiallyConsistent)
        Task { await shell.close() }
    }

    /// Hands the terminal to `command` (nil: the sandbox's shell) until it ends.
    static func run(_ open: (_ rows: Int, _ columns: Int, _ term: String) async throws -> ShellSession) async throws -> Ending {
        var modes = termios()
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &modes) == 0 else {
            throw SandboxError.invalidArgument("shell needs a terminal (stdin is not one); for a command, use sandbox exec NAME -- CMD")
        }
        _ = watch
        cooked.withLock { if $0 == nil { $0 = modes } }
        let size = size() ?? (24, 80)
        let shell = try await open(size.rows, size.columns, ProcessInfo.processInfo.environment["TERM"] ?? "xterm-256color")
        signalled.store(0, ordering: .sequentiallyConsistent)
        active.withLock { $0 = shell }
        var raw = modes
        cfmakeraw(&raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer {
            active.withLock { $0 = nil }
            tcsetattr(STDIN_FILENO, TCSANOW, &modes)
        }
        let keys = KeyPump(shell)
        for await chunk in shell.output { writeAll(chunk) }
        await keys.stop()
        let code: Int32
        do { code = try await shell.exitCode() } catch {
            let number = signalled.load(ordering: .sequentiallyConsistent)
            if number != 0 { return .signalled(number) }
            throw error
        }
        let number = signalled.load(ordering: .sequentiallyConsistent)
        return number != 0 ? .signalled(number) : .exited(code)
    }

    /// The terminal's rows and columns, if stdin is one with a size.
    static func size() -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(STDIN_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    private static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

/// Reads the keyboard on a thread of its own and sends the bytes to the shell. Asleep in poll()
/// on stdin and a pipe of its own, so ``stop()`` ends it before the REPL reads stdin again.
private final class KeyPump: Sendable {
    private let wake: (read: Int32, write: Int32)
    private let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)

    init(_ shell: ShellSession) {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        wake = (fds[0], fds[1])
        Thread.detachNewThread { [self] in
            pump(shell)
            close(wake.read)
            let waiter = done.withLock { continuation -> CheckedContinuation<Void, Never>? in
                finished.store(true, ordering: .sequentiallyConsistent)
                return continuation
            }
            waiter?.resume()
        }
    }

    private func pump(_ shell: ShellSession) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0), pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) > 0 else { continue }
            if fds[0].revents != 0 { return }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else { return }  // end of input: the shell keeps running until it ends
                shell.write(Array(buffer.prefix(count)))
            } else if fds[1].revents != 0 {
                return
            }
        }
    }

    /// Wakes the thread and returns once it has stopped reading.
    func stop() async {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        await withCheckedContinuation { continuation in
            let now = done.withLock { waiting -> Bool in
                if finished.load(ordering: .sequentiallyConsistent) { return true }
                waiting = continuation
                return false
            }
            if now { continuation.resume() }
        }
        close(wake.write)
    }
}
