import Foundation
import Signals
import Testing

/// The one signal source the front ends share. SIGUSR1 and SIGUSR2 would end the test run if
/// they were not caught.
@Suite(.timeLimit(.minutes(1))) struct SignalSourceTests {
    @Test func aSignalReachesItsWatchersAndNotACancelledOne() async {
        let (heard, hear) = AsyncStream.makeStream(of: Int32.self)
        let (missed, miss) = AsyncStream.makeStream(of: Int32.self)
        let (after, follow) = AsyncStream.makeStream(of: Int32.self)
        let cancelled = SignalSource.watch([SIGUSR1]) { miss.yield($0) }
        cancelled.cancel()
        let watch = SignalSource.watch([SIGUSR1]) { hear.yield($0) }
        let other = SignalSource.watch([SIGUSR2]) { follow.yield($0) }
        defer { watch.cancel(); other.cancel() }

        kill(getpid(), SIGUSR1)
        var iterator = heard.makeAsyncIterator()
        #expect(await iterator.next() == SIGUSR1)
        // Signals are delivered in order on one thread: once SIGUSR2 is heard, every watcher of
        // SIGUSR1 has had its turn.
        kill(getpid(), SIGUSR2)
        var next = after.makeAsyncIterator()
        #expect(await next.next() == SIGUSR2)
        miss.finish()
        var none = missed.makeAsyncIterator()
        #expect(await none.next() == nil, "a cancelled watch heard the signal")
    }
}
