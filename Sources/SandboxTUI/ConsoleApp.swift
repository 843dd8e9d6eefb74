import Foundation
import LineEditing
import SandboxCommands
import SandboxKit

/// Options from the command line.
public struct ConsoleOptions: Sendable {
    public var theme = "dark"
    public var ascii = false
    /// Between the watchers' polls; under 0.1 s counts as 0.1 s (less would busy-poll the daemons).
    public var pollInterval = Duration.seconds(2)
    public var scrollback = 10_000
    /// Records the screen from the start (`--record FILE`).
    public var record: String?
    /// Runs a runtime's demo once started (`sandbox demo`): `.some(nil)` for the default runtime.
    public var demo: String??
    public init() {}
}

/// The full-screen console: a ``ConsoleStore`` on a terminal, with the session it sends
/// commands to and the watchers that keep its list, one per engine (every Docker context).
@MainActor public final class ConsoleApp {
    public let store: ConsoleStore
    let session: Session
    private let options: ConsoleOptions

    /// `recovery` is where unsaved buffers are kept (tests give their own directory); the other
    /// engines are the Docker contexts `environment` leads to (`DOCKER_CONFIG`).
    public init(engine: SandboxEngine, options: ConsoleOptions, driver: any TerminalDriver, pool: SandboxPool? = nil,
                recovery: RecoveryStore = .standard, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        let engines = EngineSet(primary: engine, environment: environment)
        let session = Session(engine: engine, creator: .tui, pool: pool, engines: engines, reportsChanges: true)
        self.session = session
        let pollInterval = max(options.pollInterval, .milliseconds(100))
        var state = UIState()
        state.now = Date()
        state.defaultImage = DockerSandbox.defaultImage
        var watchers: [(engine: String, watcher: SandboxWatcher)] = []
        state.engines = engines.members.map { member in
            var view = EngineView(name: member.name, endpoint: (try? member.endpoint.get().kind) ?? "?")
            do {
                watchers.append((member.name, SandboxWatcher(engine: try engines.engine(on: member.name), pollInterval: pollInterval)))
            } catch {
                view.connection = .down(Reducer.shortReason(error))  // a context that cannot be read: no watcher
            }
            return view
        }
        state.output = OutputLog(limit: options.scrollback)
        state.ascii = options.ascii
        state.address = engine.address
        if let problem = RuntimeRegistry.standardProblem { state.message = ("\(problem); using the built-in runtimes", true) }
        store = ConsoleStore(state: state, driver: driver) { inbox, send, state in
            EffectRunner(session: session, engine: engine, watchers: watchers, driver: driver, themes: .standard,
                         recovery: recovery, inbox: inbox, send: send, state: state)
        }
    }

    /// Takes over the terminal until the user quits; the terminal is restored however it ends.
    public func run() async {
        let extra: [Effect] = (options.record.map { [.record($0)] } ?? []) + (options.demo.map { [.demo($0)] } ?? [])
        await store.run(starting: [.loadTheme(options.theme, announce: false), .readKept, .watchSandboxes, .warmUp] + extra)
    }

    /// After ``run()``: ends the shells still open and removes the pool's waiting sandboxes;
    /// the ones made here stay listed.
    public func shutdown() async {
        await store.runner.closeShells()
        await session.shutdown(keepCreated: true)
    }
}
