import DockerEngine
import Synchronization

/// CPU and memory of the sandboxes a front end lists, sampled about every ``interval``: only
/// the containers it tracks (the running ones), each round's requests at once (a one-shot
/// sample can wait up to a second for the daemon's collector). ``updates`` yields every
/// round's figures by container id; a container that stopped, or whose sample failed, has none.
public final class StatsWatcher: Sendable {
    public let updates: AsyncStream<[String: SandboxStats]>
    private let output: AsyncStream<[String: SandboxStats]>.Continuation
    private let client: DockerClient
    public let interval: Duration
    private let tracked = Mutex<Set<String>>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(engine: SandboxEngine, interval: Duration = .seconds(2)) {
        (client, self.interval) = (engine.client, interval)
        (updates, output) = AsyncStream.makeStream(of: [String: SandboxStats].self, bufferingPolicy: .bufferingNewest(1))
    }

    deinit { stop() }

    /// Samples these containers from the next round on, and no others.
    public func track(_ ids: Set<String>) { tracked.withLock { $0 = ids } }

    /// Starts sampling. A second call changes nothing: one task alone samples, so ``stop()`` ends it.
    public func start() {
        let (client, output, interval) = (client, output, interval)
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                var last: [String: (stats: SandboxStats, cpu: ContainerStats.CPU?)] = [:]
                while !Task.isCancelled {
                    let round = ContinuousClock.now
                    guard let ids = self?.tracked.withLock({ $0 }) else { return }
                    if !ids.isEmpty || !last.isEmpty {
                        let samples = await withTaskGroup(of: (String, ContainerStats?).self) { group in
                            for id in ids { group.addTask { (id, try? await client.containerStats(id)) } }
                            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                        }
                        var next: [String: (stats: SandboxStats, cpu: ContainerStats.CPU?)] = [:]
                        for case let (id, sample?) in samples where sample.hasFigures {
                            let earlier = last[id]
                            let stats = (earlier?.stats ?? SandboxStats()).adding(
                                cpuPercent: sample.cpuPercent(after: earlier?.cpu), memoryUsed: sample.memoryUsed, memoryLimit: sample.memoryLimit)
                            next[id] = (stats, sample.cpu)
                        }
                        last = next
                        output.yield(next.mapValues(\.stats))
                    }
                    try? await Task.sleep(until: round + interval)
                }
            }
        }
    }

    public func stop() {
        task.withLock { $0 }?.cancel()
        output.finish()
    }
}
