import DockerEngine
import Foundation
import NIOCore

/// A pool's sign of life on each of its waiting sandboxes: a file whose modification time the
/// pool rewrites every ``interval``. `prune` reads it through the daemon, so it needs neither
/// the owner's host nor its pid namespace (`kill(pid, 0)` answered for the wrong machine over a
/// tcp `DOCKER_HOST`).
enum PoolHeartbeat {
    static let path = "/.sandbox/pool-heartbeat"
    static let interval = Duration.seconds(15)
    /// Missing beats for this long mean the pool is gone (several intervals, for clock skew
    /// between the owner's host and the pruning one).
    static let staleAfter: TimeInterval = 120

    /// Whether the waiting sandbox's pool stopped beating: the file is old, or it never came
    /// although the container has existed for longer than ``staleAfter``.
    static func isStale(_ container: ContainerSummary, client: DockerClient, now: Date = Date()) async -> Bool {
        let created = Date(timeIntervalSince1970: TimeInterval(container.created))
        guard let stat = try? await client.statPath(container.id, path: path) else {
            return now.timeIntervalSince(created) > staleAfter
        }
        guard let beat = DaemonClock.parse(stat.mtime) else { return true }
        return now.timeIntervalSince(beat) > staleAfter
    }
}

extension DockerSandbox {
    /// Rewrites this (waiting) sandbox's heartbeat with the current time.
    func writeHeartbeat(at time: Date = Date()) async throws {
        do {
            try await Self.placeFile(PoolHeartbeat.path, ByteBuffer(), mode: 0o644, mtime: time, in: try await containerID(), client: try docker())
        } catch { throw SandboxError.wrap(error) }
    }
}
