import SandboxKit

extension EffectRunner {
    /// Samples these containers of an engine: its ``StatsWatcher`` starts with the first call,
    /// and its rounds go to the inbox from slot `.stats(engine)` until the console ends.
    func trackStats(engine name: String, _ ids: Set<String>) {
        if let watcher = statsWatchers[name] { return watcher.track(ids) }
        guard let engine = watchers.first(where: { $0.engine == name })?.watcher.engine else { return }
        let watcher = StatsWatcher(engine: engine)
        statsWatchers[name] = watcher
        watcher.track(ids)
        watcher.start()
        let (updates, inbox) = (watcher.updates, inbox)
        start(.stats(name)) {
            for await stats in updates { inbox.yield(.stats(engine: name, stats)) }
        }
    }
}
