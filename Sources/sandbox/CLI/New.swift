import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct New: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create and start a sandbox; prints its name.")

    @Option(help: "A runtime name (see `sandbox runtimes`).") var runtime: String?
    @Option(help: "An image (default: $SANDBOX_DEFAULT_IMAGE or python:3.12-slim).") var image: String?
    @Option(help: "The sandbox's name.") var name: String?
    @Option(name: .customLong("volume"), help: "HOST:CONTAINER bind mount (repeatable).") var volumes: [String] = []
    @Option(name: .customLong("env"), help: "K=V environment variable (repeatable).") var env: [String] = []
    @Option(help: "Memory limit such as 512m or 2g.") var memory = "2g"
    @Flag(help: "No network.") var noNetwork = false
    @Option(name: .customLong("allow"), help: ArgumentHelp(
        "Allow connections to HOST[:PORT]: a name (looked up by the engine's resolver, which answers no other), `*.domain`, an IPv4 address or a CIDR; repeatable. With any, everything else is denied.",
        valueName: "HOST[:PORT]")) var allow: [String] = []
    @Option(name: .customLong("add-host"), help: ArgumentHelp("Make NAME resolve to IP in the sandbox (reachable only if allowed too); repeatable.",
                                                              valueName: "NAME:IP")) var addHosts: [String] = []
    @Option(help: ArgumentHelp("Run its commands, shells and jobs as this user (made, uid 1000 or the next free, when the image lacks it); its work directory becomes its own. Default: the image's user.",
                               valueName: "UID[:GID]|NAME")) var user: String?
    @Option(help: "The OCI runtime to start it with (sandbox doctor lists the daemon's), e.g. runsc for gVisor's own kernel.")
    var ociRuntime: String?
    @Option(help: "The Docker context (docker context ls) to make it on, over --context and DOCKER_CONTEXT.") var on: String?
    @Option(help: ArgumentHelp("Make it from a snapshot (`sandbox snapshots`): its files and settings; --name, --env and --on apply, the rest comes from the snapshot.",
                               valueName: "NAME:LABEL")) var from: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if runtime != nil && image != nil { throw ValidationError("give --runtime or --image, not both") }
        if from != nil && (runtime != nil || image != nil || user != nil || ociRuntime != nil || noNetwork || !allow.isEmpty || !volumes.isEmpty) {
            throw ValidationError("--from takes its image, user, network and limits from the snapshot: give --name, --env and --on only")
        }
        for volume in volumes where DockerSandbox.volume(volume) == nil {
            throw ValidationError("--volume takes HOST:CONTAINER, got '\(volume)'")
        }
        for pair in env where !pair.contains("=") { throw ValidationError("--env takes K=V, got '\(pair)'") }
        if ByteSize.parse(memory) == nil { throw ValidationError("--memory takes a size such as 512m, 1.5g or 2g, got '\(memory)'") }
        if noNetwork && !allow.isEmpty { throw ValidationError("--allow needs a network: give --no-network or --allow, not both") }
        do { _ = try NetworkPolicy(allow: allow, hosts: addHosts) } catch { throw ValidationError(error.description) }
        if let user { do { _ = try SandboxUser(parsing: user) } catch { throw ValidationError(error.description) } }
    }

    func run() async throws {
        if let on { try EngineChoice.use(context: on) }
        let volumeMap = Dictionary(volumes.compactMap(DockerSandbox.volume)) { $1 }
        let environment = Dictionary(env.map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts[1]))
        }) { $1 }
        var security = SecurityProfile.hardened
        security.ociRuntime = ociRuntime
        let sandbox = if let from {
            DockerSandbox(from: try await SandboxEngine().snapshot(from), name: name, createdBy: .cli, environment: environment)
        } else {
            DockerSandbox(
            image: runtime == nil ? (image ?? DockerSandbox.defaultImage) : nil, runtime: runtime.map { .named($0) },
            volumes: volumeMap, environment: environment, name: name, memoryLimit: memory,
            network: noNetwork ? .none : .on, policy: try NetworkPolicy(allow: allow, hosts: addHosts), security: security,
            user: try user.map(SandboxUser.init(parsing:)), createdBy: .cli)
        }
        await sandbox.onBuildProgress { progress in Terminal.err("build \(progress.runtime): \(progress.line)\n") }
        try await sandbox.start()
        if let (isolation, reason) = await sandbox.isolation(), isolation == .open {
            ConsoleOutput().handle(.notIsolated(name: sandbox.name, reason: reason ?? "the engine did not say why"))
        }
        Terminal.out(json ? try JSON.string(["name": sandbox.name, "id": sandbox.sandboxID]) : sandbox.name + "\n")
    }
}
