import Foundation
import Signals
import Synchronization

/// The curses driver's watch on the terminal: a thread asleep in poll() on stdin, and the
/// process's ``SignalSource`` for SIGTERM, SIGINT, SIGHUP and SIGWINCH, so the console uses no
/// CPU while idle. It reads nothing itself (curses is not thread-safe): it reports that keys are
/// waiting and leaves stdin alone until ``rearm()``.
final class TerminalWatch: Sendable {
    enum Wake: Sendable { case input, resized, signalled, hungUp }

    private let armed = Atomic<Bool>(true)
    private let stopping = Atomic<Bool>(false)
    /// Written to wake the thread (rearm, stop).
    private let wakePipe: (read: Int32, write: Int32)
    private let signals = Mutex<SignalSource.Watch?>(nil)

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakePipe = (fds[0], fds[1])
    }

    /// Catches the signals and starts the thread; `report` is called on it (and on the signal
    /// source's thread).
    func start(_ report: @escaping @Sendable (Wake) -> Void) {
        signals.withLock {
            $0 = SignalSource.watch([SIGTERM, SIGINT, SIGHUP, SIGWINCH]) { report($0 == SIGWINCH ? .resized : .signalled) }
        }
        Thread.detachNewThread { [self] in
            watch(report)
            close(wakePipe.read)
            close(wakePipe.write)
        }
    }

    /// The keys reported were read: watch stdin again.
    func rearm() {
        armed.store(true, ordering: .sequentiallyConsistent)
        poke()
    }

    func stop() {
        signals.withLock { $0?.cancel() }
        stopping.store(true, ordering: .sequentiallyConsistent)
        poke()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func watch(_ report: @Sendable (Wake) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let watchingInput = armed.load(ordering: .sequentiallyConsistent)
            var fds = [pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: watchingInput ? STDIN_FILENO : -1, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) > 0 else { continue }  // EINTR: a signal, reported by the source
            if fds[0].revents & Int16(POLLIN) != 0 { while read(wakePipe.read, &buffer, buffer.count) > 0 {} }
            // The terminal went away (its emulator was killed and no SIGHUP came): poll would
            // report it at once forever. End as on a signal.
            if fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                report(.hungUp)
                return
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                armed.store(false, ordering: .sequentiallyConsistent)
                report(.input)
            }
        }
    }
}
