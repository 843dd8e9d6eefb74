import Foundation
import SandboxCommands
import SandboxKit

/// An engine of the console's list: a Docker context, its own connection and its sandboxes.
public struct EngineView: Sendable, Equatable {
    public var name: String
    /// The kind of endpoint (`unix`, `tcp`, `tcp+TLS`, `ssh`), for its header.
    public var endpoint: String
    public var connection: Connection = .connecting
    /// As its watcher last listed them; named `NAME@CONTEXT` on every engine but the primary.
    public var sandboxes: [SandboxInfo] = []

    public init(name: String, endpoint: String, connection: Connection = .connecting) {
        (self.name, self.endpoint, self.connection) = (name, endpoint, connection)
    }
}

/// The list grouped by engine. With one engine (no Docker contexts but the default) there are
/// no headers, and the list is as it always was; with more, each engine has a header line with
/// its name, endpoint kind and connection, above its sandboxes.
extension UIState {
    /// The primary engine's sandboxes.
    public var sandboxes: [SandboxInfo] {
        get { engines.first?.sandboxes ?? [] }
        set { primary { $0.sandboxes = newValue } }
    }

    /// The primary engine's connection (the status line's).
    public var connection: Connection {
        get { engines.first?.connection ?? .connecting }
        set { primary { $0.connection = newValue } }
    }

    private mutating func primary(_ change: (inout EngineView) -> Void) {
        if engines.isEmpty { engines = [EngineView(name: "default", endpoint: "")] }
        change(&engines[0])
    }

    public var showsEngines: Bool { engines.count > 1 }

    /// Each engine's rows: the sandboxes being made on it first, then what its daemon reports.
    public var groups: [(engine: EngineView, rows: [SandboxInfo])] {
        engines.enumerated().map { index, engine in
            let creating = pendingEngine.map { $0 == engine.name } ?? (index == 0)
            guard creating else { return (engine, engine.sandboxes) }
            let listed = Set(engine.sandboxes.map(\.name))
            let waiting = pending.filter { !listed.contains($0.key) }.sorted { $0.key < $1.key }.map { name, state in
                SandboxInfo(name: name, containerID: "", image: "", runtime: nil, state: state, status: state.rawValue, createdBy: .tui,
                            client: nil, created: now, managed: true)
            }
            return (engine, waiting + engine.sandboxes)
        }
    }

    /// The list's rows, engine after engine.
    public var rows: [SandboxInfo] { groups.flatMap(\.rows) }

    /// The index in ``engines`` of the engine named `name`.
    func engineIndex(named name: String) -> Int? { engines.firstIndex { $0.name == name } }
}

extension UIState {
    /// Whether the list's ages read differently at `later` than at ``now``: the clock sends only
    /// the ticks that change what is shown, so an idle console draws no frame for the others.
    func agesChange(at later: Date) -> Bool {
        rows.contains { $0.isRunning && Format.age(since: $0.created, now: now) != Format.age(since: $0.created, now: later) }
    }
}
