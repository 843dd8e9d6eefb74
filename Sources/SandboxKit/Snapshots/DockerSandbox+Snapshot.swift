import DockerEngine
import Foundation

extension DockerSandbox {
    /// Saves its filesystem as `NAME:LABEL` (LABEL: the time when nil), with its settings; host
    /// volumes are not in it (``SnapshotSettings/volumes`` lists them). At most `limit` per sandbox.
    public func snapshot(label: String? = nil, limit: Int = 10) async throws -> Snapshot {
        let id = try await runningContainer()
        let inspect: ContainerInspect
        do { inspect = try await docker().inspectContainer(id) } catch { throw await explainFailure(error, container: id) }
        return try await Snapshots.take(inspect, sandbox: name, label: label, limit: limit, client: try docker())
    }

    /// `count` running copies of it, each made from one snapshot of it now (so they share nothing
    /// writable), named `name(index)` for index 1…count; `made` hears of each as it answers.
    /// The ones that failed are reported after the rest are made; none of them is left behind.
    public func fork(count: Int, names: [String], labels extra: [String: String] = [:], createdBy: Creator = .library,
                     made: @escaping @Sendable (DockerSandbox) -> Void = { _ in }) async throws -> [DockerSandbox] {
        guard count > 0, names.count == count else { throw SandboxError.invalidArgument("fork: give 1 or more copies, one name each") }
        let id = try await runningContainer()
        let client = try docker()
        let inspect: ContainerInspect
        do { inspect = try await client.inspectContainer(id) } catch { throw await explainFailure(error, container: id) }
        let snapshot = try await Snapshots.take(inspect, sandbox: name, label: nil, fork: true, client: client)
        let source = name
        let results = await withTaskGroup(of: (DockerSandbox, (any Error)?).self) { group in
            for copy in names {
                group.addTask {
                    let sandbox = DockerSandbox(from: snapshot, name: copy, labels: extra, createdBy: createdBy, forkOf: source, client: client)
                    do {
                        try await sandbox.start()
                        made(sandbox)
                        return (sandbox, nil)
                    } catch {
                        try? await sandbox.stop()
                        return (sandbox, error)
                    }
                }
            }
            return await group.reduce(into: [(DockerSandbox, (any Error)?)]()) { $0.append($1) }
        }
        let failed = results.compactMap { sandbox, error in error.map { "\(sandbox.name): \($0)" } }
        if !failed.isEmpty {
            throw SandboxError.commandFailed("\(failed.count) of \(count) copies of \(name) failed (\(failed.prefix(3).joined(separator: "; "))); the other \(count - failed.count) run")
        }
        return names.compactMap { name in results.first { $0.0.name == name }?.0 }  // in the order named
    }

    /// A sandbox (not started) made from `snapshot`: its files, and the settings it was taken
    /// with (work directory, environment, limits, network policy, user, OCI runtime).
    /// `environment` adds to the snapshot's.
    public init(from snapshot: Snapshot, name: String? = nil, labels: [String: String] = [:], createdBy: Creator = .library,
                environment: [String: String] = [:], client: DockerClient? = nil) {
        self.init(from: snapshot, name: name, labels: labels, createdBy: createdBy, environment: environment, forkOf: nil, client: client)
    }

    /// `snapshotName`: what the `from` label says (a restore's settings are not the snapshot's own).
    init(from snapshot: Snapshot, name: String?, labels: [String: String], volumes: [String: String] = [:], snapshotName: String? = nil,
         createdBy: Creator = .library, environment: [String: String] = [:], forkOf: String?, client: DockerClient?) {
        let settings = snapshot.settings
        var security = SecurityProfile.hardened
        security.ociRuntime = settings.ociRuntime
        let tag = Snapshot.tag(sandbox: snapshot.sandbox, label: snapshot.label)  // readable in `ps`
        self.init(image: "\(tag.repo):\(tag.tag)", volumes: volumes, workDir: settings.workDir, environment: environment,
                  labels: labels.merging([SnapshotLabel.from: forkOf.map { "fork of \($0)" } ?? snapshotName ?? snapshot.description]) { $1 },
                  name: name ?? "\(snapshot.sandbox)-\(Self.newID().prefix(4))",
                  memoryLimit: settings.memoryBytes.map(String.init), cpuLimit: settings.cpus, network: settings.network,
                  policy: settings.policy, security: security, user: settings.user.flatMap { try? SandboxUser(parsing: $0) },
                  createdBy: createdBy, client: client)
    }
}
