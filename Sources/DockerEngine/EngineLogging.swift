import Logging
import Synchronization

/// The logger a ``DockerClient`` (and the engine above it) writes to when none is passed in:
/// a no-op until a program sets it. Libraries never bootstrap swift-log; the `sandbox` program
/// does, and points this at its log file before it creates a client.
public enum EngineLogging {
    private static let current = Mutex(Logger(label: "sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))

    public static var defaultLogger: Logger {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
