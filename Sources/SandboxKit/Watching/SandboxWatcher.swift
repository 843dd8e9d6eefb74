import DockerEngine
import Foundation
import Synchronization

/// A live view of the sandboxes for a front end: Docker's event stream for changes within a
/// moment, a poll as the fallback (every `pollInterval` while there is no event stream or every
/// container is listed, a fifth as often while events about sandboxes flow: then it only catches
/// what a stream can miss, and every list costs the daemon and us a decode of every container),
/// reconnection with backoff while the daemon is away.
/// It owns its tasks; ``updates`` yields each fresh list and each change of connection.
public final class SandboxWatcher: Sendable {
    public enum Update: Sendable {
        case connected(api: String)
        case sandboxes([SandboxInfo])
        case down(any Error)
    }

    public let updates: AsyncStream<Update>
    private let output: AsyncStream<Update>.Continuation
    private let requests: AsyncStream<Void>
    private let request: AsyncStream<Void>.Continuation
    public let engine: SandboxEngine
    private let pollInterval: Duration
    private let showAll = Atomic<Bool>(false)
    private let eventsFlow = Atomic<Bool>(false)
    private let tasks = Mutex<[Task<Void, Never>]>([])

    public init(engine: SandboxEngine, pollInterval: Duration) {
        (self.engine, self.pollInterval) = (engine, pollInterval)
        (updates, output) = AsyncStream.makeStream(of: Update.self, bufferingPolicy: .bufferingNewest(64))
        // Requests that pile up while a list is under way are one request.
        (requests, request) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    deinit { stop() }

    /// Lists again now (after a command that changed something).
    public func refresh() { request.yield() }

    /// Lists every container, or only sandboxes.
    public func setShowAll(_ all: Bool) {
        showAll.store(all, ordering: .relaxed)
        refresh()
    }

    public func start() {
        let (engine, output, pollInterval) = (engine, output, pollInterval)
        let listing = Task { [requests, weak self] in
            var connected = false
            for await _ in requests {
                do {
                    let list = try await engine.list(all: self?.showAll.load(ordering: .relaxed) ?? false)
                    if !connected, let api = try? await engine.connect() {
                        connected = true
                        output.yield(.connected(api: api))
                    }
                    output.yield(.sandboxes(list))
                } catch {
                    connected = false
                    output.yield(.down(error))
                }
            }
        }
        let events = Task { [weak self] in
            var backoff = Duration.milliseconds(500)
            while !Task.isCancelled {
                do {
                    _ = try await engine.connect()
                    backoff = .milliseconds(500)
                    self?.refresh()
                    self?.eventsFlow.store(true, ordering: .relaxed)
                    for try await _ in engine.changes() {
                        self?.refresh()
                        // The daemon can announce a death a moment before its list says so.
                        Task { [weak self] in
                            try? await Task.sleep(for: .milliseconds(150))
                            self?.refresh()
                        }
                    }
                } catch {
                    output.yield(.down(error))
                }
                self?.eventsFlow.store(false, ordering: .relaxed)
                try? await Task.sleep(for: backoff)
                backoff = min(.seconds(8), backoff * 2)
            }
        }
        // The poll is a loop feeding the same requests, not swift-async-algorithms' `merge` of
        // them with an `AsyncTimerSequence`: tried, that would replace these five lines, but no
        // product here uses the package yet (it is only pinned), and compiling it alone took 21 s
        // of a debug build here, on every clean build and again in release.
        let polling = Task { [weak self] in
            while !Task.isCancelled {
                // Events are about sandboxes only: other containers (show all) come by the poll.
                let flowing = self.map { $0.eventsFlow.load(ordering: .relaxed) && !$0.showAll.load(ordering: .relaxed) } ?? false
                try? await Task.sleep(for: flowing ? pollInterval * 5 : pollInterval)
                self?.refresh()
            }
        }
        tasks.withLock { $0 = [listing, events, polling] }
    }

    public func stop() {
        request.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
        output.finish()
    }
}
