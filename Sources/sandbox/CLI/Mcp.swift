import ArgumentParser
import Foundation
import SandboxKit
import SandboxMCP

struct Mcp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the console tools to an AI agent over MCP on stdio.",
        discussion: "The sandbox starts on the first tool call and is removed when the client disconnects, unless --keep or --sandbox is given.")

    @Option(help: "A runtime for the agent's sandbox.") var runtime: String?
    @Option(help: "An image for the agent's sandbox (default: $SANDBOX_DEFAULT_IMAGE or python:3.12-slim).") var image: String?
    @Option(help: "Use this existing sandbox instead of creating one.") var sandbox: String?
    @Flag(help: "Offer only ls, read_file, glob and grep.") var readOnly = false
    @Flag(help: "Do not offer execute.") var noExecute = false
    @Option(help: "Default execute timeout in seconds.") var timeout: Double = 120
    @Flag(help: "Keep the sandbox when the client disconnects.") var keep = false
    @Flag(help: "Start the sandbox when the client connects rather than at its first tool call.") var warm = false
    @Option(name: .customLong("allow"), help: ArgumentHelp(
        "Let the agent's sandbox connect only to HOST[:PORT] (as sandbox new --allow; added to the runtime's own); repeatable.",
        valueName: "HOST[:PORT]")) var allow: [String] = []
    @Option(name: .customLong("add-host"), help: ArgumentHelp("Make NAME resolve to IP in the agent's sandbox; repeatable.",
                                                              valueName: "NAME:IP")) var addHosts: [String] = []

    @Option(help: ArgumentHelp("Whom the agent's commands run as (made when the image lacks it): `root` gives it root. Not with --sandbox, which keeps that sandbox's own.",
                               valueName: "UID[:GID]|NAME")) var user: String?

    func validate() throws {
        if [runtime, image, sandbox].compactMap({ $0 }).count > 1 { throw ValidationError("give one of --runtime, --image, --sandbox") }
        _ = try CheckedOption.seconds(timeout, "--timeout")
        if sandbox != nil, !(allow + addHosts).isEmpty { throw ValidationError("--allow and --add-host make a new sandbox: not with --sandbox") }
        do { _ = try NetworkPolicy(allow: allow, hosts: addHosts).resolved() } catch { throw ValidationError(error.description) }
        if sandbox != nil, user != nil { throw ValidationError("--user makes a new sandbox: not with --sandbox, which keeps its own user") }
        if let user { do { _ = try SandboxUser(parsing: user) } catch { throw ValidationError(error.description) } }
    }

    func run() async throws {
        let target: AgentSession.Target = if let sandbox { .existing(sandbox) } else if let runtime { .runtime(runtime) } else {
            .image(image ?? DockerSandbox.defaultImage)
        }
        // The agent is told the policy its sandbox gets: a runtime's rules with these added.
        let policy = try NetworkPolicy(allow: allow, hosts: addHosts)
        let network: NetworkPolicy? = sandbox != nil ? nil : RuntimeRegistry.standard.policy(of: runtime.map { .named($0) }, adding: policy)
        // An agent gets no root unless asked.
        let agentUser: SandboxUser? = sandbox != nil ? nil : try user.map(SandboxUser.init(parsing:)) ?? .unprivileged
        let options = AgentTools.Options(readOnly: readOnly, allowExecute: !noExecute, defaultTimeout: timeout, network: network, user: agentUser)
        let session = AgentSession(target: target, options: options, keep: keep, warm: warm)
        try await AgentServer.run(session: session, options: options, version: BuildVersion.version)
    }
}
