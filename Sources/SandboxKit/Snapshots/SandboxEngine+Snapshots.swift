import DockerEngine
import Foundation

/// Snapshots by name, for the front ends: `sandbox snapshot`, `snapshots`, `restore`, `fork`.
extension SandboxEngine {
    /// Named snapshots, oldest first; only `sandbox`'s when given.
    public func snapshots(of sandbox: String? = nil) async throws -> [Snapshot] {
        try await Snapshots.list(client, of: sandbox)
    }

    /// `SANDBOX:LABEL`, or a `LABEL` only one sandbox has.
    public func snapshot(_ reference: String) async throws -> Snapshot {
        try await Snapshots.find(reference, client: client)
    }

    /// Saves sandbox `name`'s filesystem as `name:label` (the time when nil).
    public func takeSnapshot(of name: String, label: String? = nil, limit: Int = 10) async throws -> Snapshot {
        let inspect = try await ourContainer(name)
        guard inspect.state.running else {
            throw SandboxError.invalidArgument("\(name) is not running (\(inspect.state.status)): start it (`sandbox use \(name)` and a command) first")
        }
        return try await Snapshots.take(inspect, sandbox: name, label: label, limit: limit, client: client)
    }

    public func removeSnapshot(_ reference: String) async throws -> Snapshot {
        let snapshot = try await Snapshots.find(reference, client: client)
        try await Snapshots.remove(snapshot, client: client)
        return snapshot
    }

    /// Puts sandbox `name` back to `reference` (its latest snapshot when nil): a new container
    /// from the snapshot under the same name, a fresh runner in it. The old one is set aside
    /// first and removed only once the new one answers, so a restore that fails leaves it as it was.
    public func restore(_ name: String, to reference: String? = nil) async throws -> (sandbox: DockerSandbox, snapshot: Snapshot) {
        let old = try await ourContainer(name)
        let snapshot = if let reference { try await Snapshots.find(reference, client: client) } else { try await Snapshots.latest(of: name, client: client) }
        let aside = "\(name)-restoring-\(DockerSandbox.newID().prefix(4))"
        do { try await client.renameContainer(old.id, to: aside) } catch { throw SandboxError.wrap(error) }
        var labels = (old.config.labels ?? [:]).filter { !$0.key.hasPrefix("sandbox.") }  // a caller's own (tests, benches)
        labels[SandboxLabel.client] = old.config.labels?[SandboxLabel.client]  // the agent it serves
        let restored = DockerSandbox(from: snapshot, name: name, labels: labels,
                                     createdBy: old.config.labels?[SandboxLabel.creator].flatMap(Creator.init) ?? .library, client: client)
        do {
            _ = try await restored.execute("true")
        } catch {
            try? await restored.stop()
            do { try await client.renameContainer(old.id, to: name) } catch {
                throw SandboxError.commandFailed("restoring \(name) failed, and so did giving its container back its name (it is \(aside) now: `docker rename \(aside) \(name)`): \(error)")
            }
            throw SandboxError.commandFailed("restoring \(name) to \(snapshot) failed; \(name) is as it was: \(error)")
        }
        try await remove(named: aside)
        return (restored, snapshot)
    }

    /// `count` copies of sandbox `name`, named `name-1`, `name-2`… (the next free numbers).
    public func fork(_ name: String, count: Int, createdBy: Creator = .library,
                     made: @escaping @Sendable (DockerSandbox) -> Void = { _ in }) async throws -> [DockerSandbox] {
        guard (1...100).contains(count) else { throw SandboxError.invalidArgument("fork: --count takes 1 to 100, not \(count)") }
        let source = try await sandbox(named: name)
        let taken = Set(try await list(all: true).map(\.name))
        var names: [String] = []
        var index = 1
        while names.count < count {
            if !taken.contains("\(name)-\(index)") { names.append("\(name)-\(index)") }
            index += 1
        }
        let inspect = try await ourContainer(name)
        let labels = (inspect.config.labels ?? [:]).filter { !$0.key.hasPrefix("sandbox.") }
        return try await source.fork(count: count, names: names, labels: labels, createdBy: createdBy, made: made)
    }

    /// Removes the snapshots of sandboxes that no longer exist, and the images of forks and of
    /// removed snapshots that no sandbox uses any more.
    public func pruneSnapshots() async throws -> [String] {
        let existing = Set(try await list(all: true).map(\.name))
        var removed: [String] = []
        for snapshot in try await snapshots() where !existing.contains(snapshot.sandbox) {
            try await Snapshots.remove(snapshot, client: client)
            removed.append(snapshot.description)
        }
        do {
            let listed = Set(try await snapshots().map(\.imageID))
            for image in try await client.listImages(labels: [SnapshotLabel.kind]) where !listed.contains(image.id) {
                // The daemon refuses an image a container uses: that fork's copies still exist.
                do {
                    try await client.removeImage(image.id)
                    removed.append("an unlisted snapshot image of \(image.labels?[SnapshotLabel.sandbox] ?? "?") (a fork's, or one removed)")
                } catch DockerError.conflict {}
            }
        } catch { throw SandboxError.wrap(error) }
        return removed
    }

    /// Container `name`, if it is one of our sandboxes.
    private func ourContainer(_ name: String) async throws -> ContainerInspect {
        let inspect: ContainerInspect
        do { inspect = try await client.inspectContainer(name) } catch DockerError.notFound {
            throw SandboxError.unknownSandbox(name, known: (try? await list().map(\.name)) ?? [])
        } catch { throw SandboxError.wrap(error) }
        guard inspect.config.labels?[SandboxLabel.managed] == "true" else {
            throw SandboxError.invalidArgument("\(name) is not a sandbox of ours (no \(SandboxLabel.managed) label)")
        }
        return inspect
    }
}
