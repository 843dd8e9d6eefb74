import DockerEngine
import Foundation

/// Snapshots on one daemon: taken, listed, found by name, removed.
enum Snapshots {
    /// At most this many per sandbox unless the caller says otherwise (the public defaults say
    /// 10 too); the next is refused, naming the oldest, never made room for by removing one.
    static let defaultLimit = 10
    /// Words after `sandbox snapshots` that are not a sandbox's name.
    static let subcommandWords: Set<String> = ["rm"]

    /// The named snapshots, oldest first; only `sandbox`'s when given.
    static func list(_ client: DockerClient, of sandbox: String? = nil) async throws -> [Snapshot] {
        var labels = ["\(SnapshotLabel.kind)=\(SnapshotLabel.named)"]
        if let sandbox { labels.append("\(SnapshotLabel.sandbox)=\(sandbox)") }
        do {
            return try await client.listImages(labels: labels).compactMap(Snapshot.init).sorted { ($0.created, $0.label) < ($1.created, $1.label) }
        } catch { throw SandboxError.wrap(error) }
    }

    /// `SANDBOX:LABEL`, or `LABEL` alone: `within`'s when given, else the one sandbox's that has it.
    static func find(_ reference: String, within owner: String? = nil, client: DockerClient) async throws -> Snapshot {
        let all = try await list(client, of: reference.contains(":") ? nil : owner)
        let matches: [Snapshot]
        if let colon = reference.lastIndex(of: ":") {
            let (sandbox, label) = (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
            matches = all.filter { $0.sandbox == sandbox && $0.label == label }
        } else {
            matches = all.filter { $0.label == reference }
        }
        switch matches.count {
        case 1: return matches[0]
        case 0:
            let known = all.map(\.description)
            throw SandboxError.invalidArgument("no snapshot \(reference)" + (known.isEmpty ? " (there are none: `sandbox snapshot NAME` takes one)" : "; there are: \(known.suffix(10).joined(separator: ", "))"))
        default:
            throw SandboxError.invalidArgument("\(reference) names snapshots of several sandboxes (\(matches.map(\.description).joined(separator: ", "))): give SANDBOX:LABEL")
        }
    }

    /// The latest snapshot of `sandbox`.
    static func latest(of sandbox: String, client: DockerClient) async throws -> Snapshot {
        guard let latest = try await list(client, of: sandbox).last else {
            throw SandboxError.invalidArgument("\(sandbox) has no snapshot: `sandbox snapshot \(sandbox)` takes one")
        }
        return latest
    }

    /// Saves container `container`'s filesystem (paused meanwhile, so that a command writing in it
    /// cannot leave half of a change) as `sandbox:label` (a timestamp when nil); for a fork, an
    /// image that is never listed.
    static func take(_ container: ContainerInspect, sandbox: String, label given: String?, fork: Bool = false,
                     limit: Int = defaultLimit, client: DockerClient) async throws -> Snapshot {
        if Snapshots.subcommandWords.contains(sandbox) {
            throw SandboxError.invalidArgument("a sandbox called '\(sandbox)' cannot have snapshots: `sandbox snapshots \(sandbox)` would mean the subcommand; rename it")
        }
        if sandbox.utf8.count + 65 > 128 {
            throw SandboxError.invalidArgument("\(sandbox): a name this long leaves no room for a snapshot's label in an image tag (128 characters); rename it")
        }
        let settings = Self.settings(of: container)
        var labels = [SnapshotLabel.kind: fork ? SnapshotLabel.fork : SnapshotLabel.named, SnapshotLabel.sandbox: sandbox,
                      SnapshotLabel.settings: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self),
                      SnapshotLabel.taken: String(Int64(Date().timeIntervalSince1970 * 1000))]
        // A fork's is tagged too (so `ps` shows what its copies run), under a label never listed.
        var label = "fork-\(DockerSandbox.newID().prefix(6))"
        if !fork {
            let existing = try await list(client, of: sandbox)
            if existing.count >= limit, let oldest = existing.first {
                throw SandboxError.invalidArgument("\(sandbox) has \(existing.count) snapshots, the most kept (\(limit)): remove one first, for example the oldest, `sandbox snapshots rm \(oldest)`")
            }
            label = given ?? Snapshot.timestampLabel()
            try Snapshot.validate(label: label)
            if given == nil {  // two in one second: the second gets a suffix
                var suffix = 2
                let base = label
                while existing.contains(where: { $0.label == label }) { label = "\(base)-\(suffix)"; suffix += 1 }
            } else if existing.contains(where: { $0.label == label }) {
                throw SandboxError.invalidArgument("\(sandbox) already has a snapshot \(label): pick another label, or remove it (`sandbox snapshots rm \(sandbox):\(label)`)")
            }
        }
        labels[SnapshotLabel.label] = label
        let tag = Snapshot.tag(sandbox: sandbox, label: label)
        let imageID: String
        do {
            imageID = try await client.commit(container.id, repo: tag.repo, tag: tag.tag, labels: labels)
        } catch DockerError.notFound {
            throw SandboxError.containerGone(name: sandbox, detail: "it was removed before its snapshot was taken")
        } catch { throw SandboxError.wrap(error) }
        let made = (try? await client.listImages(labels: ["\(SnapshotLabel.sandbox)=\(sandbox)"]))?.first { $0.id == imageID }
        return made.flatMap(Snapshot.init) ?? Snapshot(sandbox: sandbox, label: label, imageID: imageID, size: made?.size ?? 0, created: Date(), settings: settings)
    }

    /// Removes a snapshot's image. Sandboxes made from it keep running (the daemon keeps the
    /// layers they use until they are gone).
    static func remove(_ snapshot: Snapshot, client: DockerClient) async throws {
        let (repo, tag) = Snapshot.tag(sandbox: snapshot.sandbox, label: snapshot.label)
        do {
            // The tag only: a sandbox made from it keeps its image until it is gone.
            try await client.removeImage("\(repo):\(tag)", force: true)
        } catch { throw SandboxError.wrap(error) }
    }

    /// The settings of the sandbox in `container`, from its labels and its host settings.
    static func settings(of container: ContainerInspect) -> SnapshotSettings {
        let host = container.hostConfig
        let labelled = LabelledSettings(container)
        return SnapshotSettings(
            image: container.config.labels?[SandboxLabel.image] ?? container.config.image,
            runtime: labelled.runtime,
            workDir: labelled.workDir,
            memoryBytes: host?.memory.flatMap { $0 > 0 ? $0 : nil },
            cpus: host?.nanoCPUs.flatMap { $0 > 0 ? Double($0) / 1e9 : nil },
            network: labelled.network,
            policy: labelled.policy,
            user: labelled.user,
            ociRuntime: host?.runtime.flatMap { $0.isEmpty || $0 == "runc" ? nil : $0 },
            volumes: host?.binds ?? [])
    }
}
