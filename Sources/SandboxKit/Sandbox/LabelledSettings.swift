import DockerEngine
import Foundation

/// What a sandbox's container says of its own settings through its ``SandboxLabel``s, read one way
/// wherever it matters: attaching to a running sandbox, and snapshotting one.
struct LabelledSettings {
    var runtime: String?
    var workDir: String
    var network: NetworkMode
    var policy: NetworkPolicy
    /// As labelled (`sandbox.user`); parse with ``SandboxUser/init(parsing:)``.
    var user: String?

    init(_ container: ContainerInspect) {
        let labels = container.config.labels ?? [:]
        runtime = labels[SandboxLabel.runtime].flatMap { $0.isEmpty ? nil : $0 }
        workDir = labels[SandboxLabel.workDir] ?? container.config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        network = labels[SandboxLabel.isolation] == Isolation.offline.rawValue ? .none : .on
        policy = labels[SandboxLabel.policy].flatMap { try? JSONDecoder().decode(NetworkPolicy.self, from: Data($0.utf8)) } ?? .isolated
        user = labels[SandboxLabel.user].flatMap { $0.isEmpty ? nil : $0 }
    }
}
