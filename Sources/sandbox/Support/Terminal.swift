import Foundation
import Synchronization
import SandboxCommands
import SandboxKit
import Signals

/// Writing to the process's own stdout and stderr, unbuffered so streamed output shows at once.
enum Terminal {
    static func out(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    static func err(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
    static func error(_ message: String) { err("sandbox: \(message)\n") }
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The width tables are fitted to: $COLUMNS when set, else the terminal's on stdout; nil (cut
    /// nothing) when stdout is a pipe or a file.
    static var columns: Int? {
        if let value = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }), value > 0 { return value }
        var size = winsize()
        guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// Session output for line-mode front ends: each event's text to stdout or stderr as it comes.
struct ConsoleOutput: SessionOutput {
    func handle(_ event: SessionEvent) {
        guard let (text, channel) = event.lineText else { return }
        channel == .out ? Terminal.out(text) : Terminal.err(text)
    }
}

/// Ctrl-C cancels the command in flight (which kills it inside the container) instead of
/// killing this process.
enum Interrupts {
    private static let current = Mutex<Task<Void, Never>?>(nil)
    private static let installed = SignalSource.watch([SIGINT]) { _ in current.withLock { $0?.cancel() } }

    static func cancellable<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        _ = installed
        let result = Mutex<Result<T, any Error>?>(nil)
        let task = Task {
            do { let value = try await work(); result.withLock { $0 = .success(value) } } catch { result.withLock { $0 = .failure(error) } }
        }
        current.withLock { $0 = task }
        await task.value
        current.withLock { $0 = nil }
        return try result.withLock { $0! }.get()
    }
}

