import Foundation
import Synchronization

/// The one bridge from a thread that must block (libedit's completion callback, in the REPL and
/// the console alike) to async work, with a time limit so a slow daemon cannot freeze typing.
public enum Blocking {
    public static func wait<T: Sendable>(timeout: Double, _ work: @escaping @Sendable () async -> T) -> T? {
        let semaphore = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        Task {
            let value = await work()
            result.withLock { $0 = value }
            semaphore.signal()
        }
        guard semaphore.wait(timeout: .now() + timeout) == .success else { return nil }
        return result.withLock { $0 }
    }
}
