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

    @discardableResult
    public func removeSnapshot(_ reference: String) async throws -> Snapshot {
        let snapshot = try await Snapshots.find(reference, client: client)
        try await Snapshots.remove(snapshot, client: client)
        return snapshot
    }

    /// Puts sandbox `name` back to `reference` (its latest snapshot when nil; a LABEL alone is
    /// its own): the snapshot's files in a new container under the same name, with a fresh runner,
    /// keeping the sandbox's own network policy, user, limits and host volumes. The old container
    /// is set aside first and removed only once the new one answers, so a restore that fails (or
    /// is cancelled) leaves the sandbox as it was.
    public func restore(_ name: String, to reference: String? = nil) async throws -> (sandbox: DockerSandbox, snapshot: Snapshot) {
        let old = try await ourContainer(name)
        let snapshot = if let reference { try await Snapshots.find(reference, within: name, client: client) } else { try await Snapshots.latest(of: name, client: client) }
        var files = snapshot
        files.settings = Snapshots.settings(of: old)
        let aside = "\(name)-restoring-\(DockerSandbox.newID().prefix(4))"
        do { try await client.renameContainer(old.id, to: aside) } catch { throw SandboxError.wrap(error) }
        var labels = (old.config.labels ?? [:]).filter { !$0.key.hasPrefix("sandbox.") }  // a caller's own (tests, benches)
        labels[SandboxLabel.client] = old.config.labels?[SandboxLabel.client]  // the agent it serves
        let volumes = Dictionary((old.hostConfig?.binds ?? []).compactMap(DockerSandbox.volume)) { a, _ in a }
        let restored = DockerSandbox(from: files, name: name, labels: labels, volumes: volumes, snapshotName: snapshot.description,
                                     createdBy: old.config.labels?[SandboxLabel.creator].flatMap(Creator.init) ?? .library,
                                     forkOf: nil, client: client)
        do {
            _ = try await restored.execute("true")
        } catch {
            // Undone whatever this task's state: a cancelled caller still gets its sandbox back.
            let client = client
            let undone: (any Error)? = await Task {
                try? await restored.stop()
                do { try await client.renameContainer(old.id, to: name) } catch { return error }
                return nil
            }.value
            if let undone {
                throw SandboxError.commandFailed("restoring \(name) failed, and so did giving its container back its name (it is \(aside) now: `docker rename \(aside) \(name)`): \(undone)")
            }
            throw error is CancellationError ? error : SandboxError.commandFailed("restoring \(name) to \(snapshot) failed; \(name) is as it was: \(error)")
        }
        // Restored: the container set aside goes, and if that fails it is only named, not lost.
        do { try await remove(named: aside) } catch {
            client.logger.notice("restore: the old container of \(name), \(aside), could not be removed (\(error)); `sandbox rm \(aside)` removes it")
        }
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
            // Ours only: marked named or fork (an image built from a snapshot inherits the mark too),
            // and tagged in our repository or not at all.
            var images: [ImageSummary] = []
            for kind in [SnapshotLabel.named, SnapshotLabel.fork] { images += try await client.listImages(labels: ["\(SnapshotLabel.kind)=\(kind)"]) }
            let ours = images.filter { image in
                (image.repoTags ?? []).allSatisfy { $0 == "<none>:<none>" || $0.hasPrefix(Snapshot.repository + ":") }
            }
            for image in ours where !listed.contains(image.id) {
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
