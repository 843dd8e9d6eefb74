import Foundation
import Synchronization

/// The process's one source of signals, for every front end: the REPL's and `exec`'s Ctrl-C,
/// the console's SIGTERM, SIGHUP and SIGWINCH, `sandbox mcp`'s shutdown. A handler may safely
/// do next to nothing, so ours only writes the signal's number to a pipe; a thread reading the
/// pipe calls the watchers of that signal. From its first watch on, a signal no longer takes its
/// default action (ending the process): its watchers decide, and ``reraise(_:)`` ends the
/// process by it after all.
///
/// Not swift-service-lifecycle's `UnixSignals` (in the build already, through async-http-client):
/// it sits on Dispatch signal sources, which on Linux install a handler of their own that blocks
/// every signal in the thread it lands on and re-sends it to Dispatch's manager thread, and which
/// go deaf when a later handler replaces theirs (curses installs one for SIGWINCH in `initscr`).
public enum SignalSource {
    /// One registration, until ``cancel()``. The signal stays caught after that: while nobody
    /// watches it, it is dropped.
    public final class Watch: Sendable {
        private let id: Int
        fileprivate init(id: Int) { self.id = id }
        public func cancel() { _ = SignalSource.watchers.withLock { $0.removeValue(forKey: id) } }
    }

    private struct Watcher: Sendable {
        let signals: Set<Int32>
        let handler: @Sendable (Int32) -> Void
    }

    private static let watchers = Mutex<[Int: Watcher]>([:])
    private static let nextID = Atomic<Int>(0)
    private static let caught = Mutex<Set<Int32>>([])
    /// Set once, before the first handler is installed: a handler captures nothing.
    nonisolated(unsafe) private static var writeFD: Int32 = -1

    /// Calls `handler` with each of `signals` that arrives, on the thread that reads the pipe
    /// (keep it short: hand the work on). Without a pipe (no descriptors left) nothing is caught
    /// and the signals keep their default action.
    public static func watch(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) -> Watch {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        watchers.withLock { $0[id] = Watcher(signals: Set(signals), handler: handler) }
        guard piped else { return Watch(id: id) }
        caught.withLock { caught in
            for number in signals where caught.insert(number).inserted {
                signal(number) { number in
                    let saved = errno  // the interrupted code may be about to read it
                    var byte = UInt8(truncatingIfNeeded: number)
                    _ = write(SignalSource.writeFD, &byte, 1)
                    errno = saved
                }
            }
        }
        return Watch(id: id)
    }

    /// Ends the process by `number` as if it had never been caught, so the parent sees how it
    /// ended. Async code runs on Dispatch's worker threads, which block signals: unblock it here
    /// so raise() delivers it.
    public static func reraise(_ number: Int32) -> Never {
        signal(number, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
        exit(128 + number)
    }

    /// Makes the pipe (the write end non-blocking: a full pipe drops a signal rather than
    /// blocking the handler) and starts the thread that reads it, once.
    private static let piped: Bool = {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        writeFD = fds[1]
        let readFD = fds[0]
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let count = read(readFD, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                for byte in buffer.prefix(count) { deliver(Int32(byte)) }
            }
        }
        return true
    }()

    private static func deliver(_ number: Int32) {
        let handlers = watchers.withLock { $0.values.filter { $0.signals.contains(number) }.map(\.handler) }
        for handler in handlers { handler(number) }
    }
}
