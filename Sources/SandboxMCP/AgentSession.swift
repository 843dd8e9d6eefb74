import Foundation
import MCP
import SandboxCommands
import SandboxKit

/// What a tool call returns to the agent.
public struct ToolOutcome: Sendable {
    public var text: String
    public var isError: Bool
    public var structured: Value?
}

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
    let options: AgentTools.Options
    let keep: Bool
    let warm: Bool
    private var clientName = "unknown client"
    private var sandbox: DockerSandbox?
    private var journal: AgentJournal?

    public init(target: Target, options: AgentTools.Options, keep: Bool, warm: Bool = false) {
        (self.target, self.options, self.keep, self.warm) = (target, options, keep, warm)
    }

    /// Recorded from the MCP handshake; the sandbox is labelled with it.
    public func setClient(_ name: String) async {
        clientName = name
        guard warm, let made = try? await ensureSandbox(starting: false) else { return }
        Task { try? await made.start() }  // a failure shows at the first tool call, which starts it again
    }

    public var sandboxName: String? { sandbox?.name }

    /// Stops the sandbox when the client goes away, unless it was asked to be kept or is not ours.
    public func close() async {
        guard let sandbox, !keep else { return }
        if case .existing = target { return }
        try? await sandbox.stop()
    }

    /// Runs a tool. Every failure is an error result with the engine's message, never a throw.
    public func call(_ name: String, _ arguments: [String: Value]) async -> ToolOutcome {
        let started = ContinuousClock.now
        let outcome: ToolOutcome
        do {
            guard AgentTools.tools(options).contains(where: { $0.name == name }) else {
                throw SandboxError.invalidArgument("unknown tool '\(name)'" + (AgentTools.all(defaultTimeout: 0).contains { $0.name == name }
                    ? " (not offered by this server: it runs with --read-only or --no-execute)" : ""))
            }
            outcome = try await perform(name, Arguments(arguments), sandbox: try await ensureSandbox())
        } catch {
            outcome = ToolOutcome(text: "\(error)", isError: true, structured: nil)
        }
        let elapsed = ContinuousClock.now - started
        if let journal {
            try? journal.append(JournalEntry(
                client: clientName, tool: name, arguments: arguments.mapValues(Arguments.describe), result: outcome.text,
                isError: outcome.isError, milliseconds: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)))
        }
        return outcome
    }

    /// With `warm`, the sandbox starts as soon as the client has said who it is, so the agent's
    /// first tool call does not wait for a container to start.
    private func ensureSandbox(starting: Bool = true) async throws -> DockerSandbox {
        if let sandbox { return sandbox }
        let made: DockerSandbox
        switch target {
        case .image(let image):
            made = DockerSandbox(image: image, labels: [SandboxLabel.client: clientName], createdBy: .agent)
        case .runtime(let runtime):
            made = DockerSandbox(runtime: .named(runtime), labels: [SandboxLabel.client: clientName], createdBy: .agent)
        case .existing(let name):
            made = try await SandboxEngine().sandbox(named: name)
        }
        if starting { try await made.start() }
        sandbox = made
        journal = AgentJournal(sandbox: made.name)
        return made
    }

    private func perform(_ name: String, _ args: Arguments, sandbox: DockerSandbox) async throws -> ToolOutcome {
        switch name {
        case "ls":
            let path = try args.string("path") ?? "."
            return .init(text: Format.listing(try await sandbox.ls(path)), isError: false, structured: nil)
        case "read_file":
            let text = try await sandbox.read(try args.required("path"), offset: try args.int("offset") ?? 0, limit: try args.int("limit") ?? 2000)
            return .init(text: text, isError: false, structured: nil)
        case "write_file":
            let path = try args.required("path"), content = try args.required("content")
            try await sandbox.write(path, content)
            return .init(text: "Wrote \(content.utf8.count) bytes to \(path)", isError: false, structured: nil)
        case "edit_file":
            let path = try args.required("path")
            let count = try await sandbox.edit(path, try args.required("old_string"), try args.required("new_string"),
                                               replaceAll: try args.bool("replace_all") ?? false)
            return .init(text: "Replaced \(count) occurrence\(count == 1 ? "" : "s") in \(path)", isError: false, structured: nil)
        case "glob":
            let paths = try await sandbox.glob(try args.required("pattern"), path: try args.string("path") ?? ".")
            return .init(text: paths.isEmpty ? "No files match." : paths.joined(separator: "\n"), isError: false, structured: nil)
        case "grep":
            let matches = try await sandbox.grep(try args.required("pattern"), path: try args.string("path") ?? ".", glob: try args.string("glob"))
            let text = matches.isEmpty ? "No matches." : matches.map { "\($0.path):\($0.line): \($0.text)" }.joined(separator: "\n")
            return .init(text: text, isError: false, structured: nil)
        case "execute":
            let seconds = try args.double("timeout") ?? options.defaultTimeout
            guard seconds > 0 else { throw SandboxError.invalidArgument("timeout must be positive") }
            let result = try await sandbox.execute(try args.required("command"), timeout: .milliseconds(Int64(seconds * 1000)))
            var text = result.output
            if result.truncated { text += "\n[output truncated at \(DockerSandbox.outputLimit) characters]" }
            if result.timedOut { text += "\n[killed after the \(Format.duration(seconds)) timeout]" }
            text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + "[exit code: \(result.exitCode)]"
            return .init(text: text, isError: false, structured: .object([
                "output": .string(result.output), "exit_code": .int(Int(result.exitCode)), "truncated": .bool(result.truncated),
            ]))
        default:
            throw SandboxError.invalidArgument("unknown tool '\(name)'")
        }
    }
}

/// Typed access to a tool call's arguments, with errors a model can act on.
struct Arguments {
    let values: [String: Value]
    init(_ values: [String: Value]) { self.values = values }

    func string(_ key: String) throws -> String? {
        guard let value = values[key], value != .null else { return nil }
        guard let string = value.stringValue else { throw SandboxError.invalidArgument("argument '\(key)' must be a string") }
        return string
    }

    func required(_ key: String) throws -> String {
        guard let value = try string(key) else { throw SandboxError.invalidArgument("missing argument '\(key)'") }
        return value
    }

    func int(_ key: String) throws -> Int? {
        guard let value = values[key], value != .null else { return nil }
        if let int = value.intValue { return int }
        if let double = value.doubleValue, double == double.rounded() { return Int(double) }
        throw SandboxError.invalidArgument("argument '\(key)' must be an integer")
    }

    func double(_ key: String) throws -> Double? {
        guard let value = values[key], value != .null else { return nil }
        if let double = value.doubleValue { return double }
        if let int = value.intValue { return Double(int) }
        throw SandboxError.invalidArgument("argument '\(key)' must be a number")
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = values[key], value != .null else { return nil }
        guard let bool = value.boolValue else { throw SandboxError.invalidArgument("argument '\(key)' must be true or false") }
        return bool
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): String(bool)
        case .null: "null"
        default: "\(value)"
        }
    }
}
