import Foundation
import Synchronization

/// The curses driver's watch on the terminal: a thread asleep in poll() on stdin and a signal
/// pipe, so the console uses no CPU while idle. It reads nothing itself (curses is not
/// thread-safe): it reports that keys are waiting and leaves stdin alone until ``rearm()``.
final class TerminalWatch: Sendable {
    enum Wake: Sendable { case input, resized, signalled, hungUp }

    private let armed = Atomic<Bool>(true)
    private let stopping = Atomic<Bool>(false)
    /// Written to wake the thread (rearm, stop).
    private let wakePipe: (read: Int32, write: Int32)

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakePipe = (fds[0], fds[1])
    }

    /// Installs the signal handlers and starts the thread; `report` is called on it.
    func start(_ report: @escaping @Sendable (Wake) -> Void) {
        SignalPipe.install()
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
                       pollfd(fd: SignalPipe.readFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: watchingInput ? STDIN_FILENO : -1, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 3, -1) > 0 else { continue }  // EINTR: a signal, seen on the pipe
            if fds[0].revents & Int16(POLLIN) != 0 { while read(wakePipe.read, &buffer, buffer.count) > 0 {} }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let count = read(SignalPipe.readFD, &buffer, buffer.count)
                let signals = buffer.prefix(max(0, count))
                if signals.contains(UInt8(SIGWINCH)) { report(.resized) }
                if signals.contains(where: { $0 != UInt8(SIGWINCH) }) { report(.signalled) }
            }
            // The terminal went away (its emulator was killed and no SIGHUP came): poll would
            // report it at once forever. End as on a signal.
            if fds[2].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                report(.hungUp)
                return
            }
            if fds[2].revents & Int16(POLLIN) != 0 {
                armed.store(false, ordering: .sequentiallyConsistent)
                report(.input)
            }
        }
    }
}

/// SIGTERM, SIGINT, SIGHUP and SIGWINCH as bytes on a pipe (a handler may only write). A
/// handler captures nothing, so the descriptors are globals, set once before it is installed.
enum SignalPipe {
    nonisolated(unsafe) private(set) static var readFD: Int32 = -1
    nonisolated(unsafe) private static var writeFD: Int32 = -1

    static func install() {
        guard readFD < 0 else { return }
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        (readFD, writeFD) = (fds[0], fds[1])
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGWINCH] {
            signal(sig) { signo in
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(SignalPipe.writeFD, &byte, 1)
            }
        }
    }
}
