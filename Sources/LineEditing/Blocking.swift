import Foundation
import Synchronization

/// The one bridge from a thread that must block (the REPL's libedit completion callback, which
/// runs while the REPL waits for input anyway) to async work, with a time limit so a slow daemon
/// cannot freeze typing. The console finds candidates as an effect instead and never blocks.
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
