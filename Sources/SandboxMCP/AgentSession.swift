import Foundation
import MCP
import SandboxKit

/// One agent's connection: its sandbox (started on the first tool call), the tools it may use,
/// and the journal of its calls.
public actor AgentSession {
    public enum Target: Sendable {
        case image(String)
        case runtime(String)
        /// An existing sandbox, never stopped by us.
        case existing(String)
    }

    let target: Target
    let keep: Bool
    let warm: Bool
    /// The sandbox's network policy, when this session makes it.
    let policy: NetworkPolicy
    /// Whom the sandbox's commands run as, when this session makes it.
    let user: SandboxUser?
    private let tools: [String: AgentTool]
    private let notOffered: Set<String>
    private var clientName = "unknown client"
    private var sandbox: DockerSandbox?
    private var journal: AgentJournal?
    private var closing: Task<Void, Never>?

    public init(target: Target, options: AgentTools.Options, keep: Bool, warm: Bool = false) {
        (self.target, self.keep, self.warm, self.policy, self.user) = (target, keep, warm, options.network ?? .isolated, options.user)
        tools = Dictionary(uniqueKeysWithValues: AgentTools.offered(options).map { ($0.name, $0) })
        notOffered = Set(AgentTools.table(options).map(\.name)).subtracting(tools.keys)
    }

    /// Recorded from the MCP handshake; the sandbox is labelled with it.
    public func setClient(_ name: String) async {
        clientName = name
        // A failure shows at the first tool call, which starts the sandbox again.
        if warm { Task { _ = try? await ensureSandbox() } }
    }

    public var sandboxName: String? { sandbox?.name }

    /// Removes the sandbox when the client goes away (EOF, a signal, a closed pipe), unless it was
    /// asked to be kept or is not ours. Every caller waits for the same removal, and no tool call
    /// starts a sandbox after it.
    public func close() async {
        if let closing { return await closing.value }
        let removal = Task { await removeSandbox() }
        closing = removal
        await removal.value
    }

    private func removeSandbox() async {
        guard let sandbox, !keep else { return }
        if case .existing = target { return }
        do { try await sandbox.stop() } catch {
            FileHandle.standardError.write(Data("sandbox mcp: could not remove sandbox \(sandbox.name): \(error)\n".utf8))
        }
        // Its snapshots go with it (--keep keeps both).
        do {
            let engine = try SandboxEngine()
            for snapshot in try await engine.snapshots(of: sandbox.name) { _ = try await engine.removeSnapshot(snapshot.description) }
        } catch {
            FileHandle.standardError.write(Data("sandbox mcp: could not remove the snapshots of \(sandbox.name): \(error)\n".utf8))
        }
    }

    /// Runs a tool. Every failure is an error result with the engine's message, never a throw.
    public func call(_ name: String, _ arguments: [String: Value]) async -> ToolOutcome {
        let started = ContinuousClock.now
        let outcome: ToolOutcome
        do {
            guard let tool = tools[name] else {
                throw SandboxError.invalidArgument("unknown tool '\(name)'" + (notOffered.contains(name)
                    ? " (not offered by this server: it runs with --read-only or --no-execute)" : ""))
            }
            if let unknown = arguments.keys.sorted().first(where: { tool.properties[$0] == nil }) {
                throw SandboxError.invalidArgument("unknown argument '\(unknown)' for \(name); it takes "
                    + tool.properties.keys.sorted().joined(separator: ", "))
            }
            // A call that cannot be right does not start a sandbox (types are checked by the handler).
            if let missing = tool.required.first(where: { arguments[$0] == nil || arguments[$0] == .null }) {
                throw SandboxError.invalidArgument("missing argument '\(missing)'")
            }
            outcome = try await tool.handler(Arguments(arguments), try await ensureSandbox())
            if let replacement = outcome.replacement { sandbox = replacement }
        } catch {
            outcome = ToolOutcome(error: error)
        }
        // A call that was under way when the client left may have started the sandbox again.
        if closing != nil { await removeSandbox() }
        let elapsed = ContinuousClock.now - started
        if let journal {
            try? journal.append(JournalEntry(
                client: clientName, tool: name, arguments: arguments.mapValues(Arguments.describe), result: outcome.text,
                isError: outcome.isError, milliseconds: Int(elapsed.seconds * 1000)))
        }
        return outcome
    }

    /// The sandbox, made and started on first use. It is recorded before it starts, so `close`
    /// removes one that is still starting.
    private func ensureSandbox() async throws -> DockerSandbox {
        if closing != nil { throw SandboxError.invalidArgument("the server is shutting down") }
        if let sandbox { return sandbox }
        let made: DockerSandbox
        switch target {
        case .image(let image):
            made = DockerSandbox(image: image, labels: [SandboxLabel.client: clientName], policy: policy, user: user, createdBy: .agent)
        case .runtime(let runtime):
            made = DockerSandbox(runtime: .named(runtime), labels: [SandboxLabel.client: clientName], policy: policy, user: user, createdBy: .agent)
        case .existing(let name):
            made = try await SandboxEngine().sandbox(named: name)
            if let sandbox { return sandbox }  // another call looked it up meanwhile
        }
        sandbox = made
        journal = AgentJournal(sandbox: made.name)
        try await made.start()
        return made
    }
}
