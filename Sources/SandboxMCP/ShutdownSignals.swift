import Dispatch
import Foundation

/// The signals that end `sandbox mcp`, delivered through one DispatchSourceSignal each so the
/// server can remove its sandbox before it goes. Dispatch is enough for three signals and one
/// handler; swift-service-lifecycle would add a dependency for the same thing.
enum ShutdownSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Calls `handler` with each signal that arrives; from now on none of them ends the process
    /// by itself. SIGPIPE is ignored: a write to a closed stdout fails with EPIPE instead, which
    /// `LineTransport` turns into the same orderly shutdown.
    static func watch(_ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        return handled.map { number in
            signal(number, SIG_IGN)  // the source still sees it; the default action (exit) does not run
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Ends the process by `number` as if it had never been caught, so the parent sees how it ended.
    static func reraise(_ number: Int32) -> Never {
        signal(number, SIG_DFL)
        // Dispatch blocks the signals it watches; unblock it here so raise() delivers it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
        exit(128 + number)
    }
}
