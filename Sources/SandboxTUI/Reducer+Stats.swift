import SandboxKit

/// CPU and memory of running sandboxes: each engine's ``StatsWatcher`` samples those its list
/// shows running on screen (a sample is a request and a decode: with 50 listed, sampling only
/// the twenty or so in view keeps the idle console under 1 % of a core); rows scrolled into
/// view get figures from the next round. A sandbox that stops loses its figures with the list
/// that says so.
extension Reducer {
    /// An engine's round of samples replaces that engine's figures (only for sandboxes still
    /// running), and the rows now in view are sampled next.
    static func statsArrived(_ state: inout UIState, engine name: String, _ stats: [String: SandboxStats]) -> [Effect] {
        guard let engine = state.engineIndex(named: name) else { return [] }
        let ids = Set(state.engines[engine].sandboxes.map(\.containerID))
        let running = runningIDs(state.engines[engine])
        state.stats = state.stats.filter { !ids.contains($0.key) }.merging(stats.filter { running.contains($0.key) }) { $1 }
        return [statsToTrack(state, engine: engine)]
    }

    /// After an engine's new list: figures of sandboxes no longer running anywhere go at once.
    static func dropStoppedStats(_ state: inout UIState) {
        let running = state.engines.reduce(into: Set<String>()) { $0.formUnion(runningIDs($1)) }
        state.stats = state.stats.filter { running.contains($0.key) }
    }

    /// The effect that samples an engine's running sandboxes in view from now on.
    static func statsToTrack(_ state: UIState, engine: Int) -> Effect {
        let rows = state.rows
        let shown = ListLayout(state, height: Screen.layout(width: state.width, height: state.height).list.inner.height).lines.compactMap {
            if case .row(let index) = $0.line, rows.indices.contains(index) { rows[index].containerID } else { nil }
        }
        return .trackStats(engine: state.engines[engine].name, runningIDs(state.engines[engine]).intersection(shown))
    }

    private static func runningIDs(_ engine: EngineView) -> Set<String> {
        Set(engine.sandboxes.filter { $0.isRunning && !$0.containerID.isEmpty }.map(\.containerID))
    }
}
