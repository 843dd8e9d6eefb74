import MCP
import SandboxCommands
import SandboxKit

/// What each tool does with its checked arguments: one small function per row of the tool table.
enum AgentHandlers {
    static func ls(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        .init(Format.listing(try await sandbox.ls(try args.path("path") ?? ".")))
    }

    static func readFile(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let path = try args.requiredPath("path")
        let offset = try args.int("offset", in: 0...Int.max) ?? 0
        let limit = try args.int("limit", in: 1...AgentTools.lineLimit) ?? 2000
        return .init(try await sandbox.read(path, offset: offset, limit: limit))
    }

    static func writeFile(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let path = try args.requiredPath("path"), content = try args.required("content")
        try await sandbox.write(path, content)
        return .init("Wrote \(content.utf8.count) bytes to \(path)")
    }

    static func changes(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        if let path = try args.path("path") { return .init(try await sandbox.diff(path)) }
        return .init(Format.changes(try await sandbox.changes()))
    }

    static func snapshot(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let label = try args.string("label")
        if let label { try Snapshot.validate(label: label) }
        let snapshot = try await sandbox.snapshot(label: label)
        return .init("Saved snapshot \(snapshot.label) of \(sandbox.name); restore with snapshot=\"\(snapshot.label)\"")
    }

    static func restore(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        // Only this sandbox's own: another's would bring its files, and the agent was given this one.
        let reference = try args.string("snapshot").map { $0.contains(":") ? $0 : "\(sandbox.name):\($0)" }
        if let reference, !reference.hasPrefix(sandbox.name + ":") {
            throw SandboxError.invalidArgument("\(reference) is not a snapshot of this sandbox (\(sandbox.name)); give one of its labels")
        }
        let (restored, snapshot) = try await SandboxEngine().restore(sandbox.name, to: reference)
        var outcome = ToolOutcome("Restored \(sandbox.name) to snapshot \(snapshot.label): its files are as they were then; processes started since have ended")
        outcome.replacement = restored
        return outcome
    }

    static func editFile(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let path = try args.requiredPath("path")
        let count = try await sandbox.edit(path, try args.required("old_string"), try args.required("new_string"),
                                           replaceAll: try args.bool("replace_all") ?? false)
        return .init("Replaced \(count) occurrence\(count == 1 ? "" : "s") in \(path)")
    }

    static func glob(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let paths = try await sandbox.glob(try args.required("pattern"), path: try args.path("path") ?? ".")
        return .init(Format.paths(paths))
    }

    static func grep(_ args: Arguments, _ sandbox: DockerSandbox) async throws -> ToolOutcome {
        let matches = try await sandbox.grep(try args.required("pattern"), path: try args.path("path") ?? ".", glob: try args.string("glob"))
        return .init(Format.matches(matches))
    }

    static func execute(_ args: Arguments, _ sandbox: DockerSandbox, defaultTimeout: Double) async throws -> ToolOutcome {
        let command = try args.required("command")
        let seconds = try args.number("timeout") ?? defaultTimeout
        let before = sandbox.egressRecords().next
        let result = try await sandbox.execute(command, timeout: try Timeout.duration(seconds: seconds, for: "argument 'timeout'"))
        var text = result.output
        if result.truncated { text += "\n[output truncated at \(DockerSandbox.outputLimit) characters]" }
        if result.timedOut { text += "\n[killed after the \(Format.duration(seconds)) timeout]" }
        // What the network refused during the command, so that a failed fetch says why.
        let denied = deniedDestinations(since: before, in: sandbox)
        if !denied.isEmpty {
            text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + "[network: not allowed: \(denied.joined(separator: ", "))]"
        }
        text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + "[exit code: \(result.exitCode)]"
        return .init(text, structured: .object([
            "output": .string(result.output), "exit_code": .int(Int(result.exitCode)), "truncated": .bool(result.truncated),
            "denied": .array(denied.map { .string($0) }),
        ]))
    }

    /// The destinations the sandbox was refused since `offset` of its egress record, each once, at
    /// most ten (the rest counted), made safe to show.
    static func deniedDestinations(since offset: UInt64, in sandbox: DockerSandbox) -> [String] {
        var seen: [String] = []
        for record in sandbox.egressRecords(from: offset).records {
            let entry = TerminalText.oneLine("\(record.destination) (\(record.kind.rawValue))")
            if !seen.contains(entry) { seen.append(entry) }
        }
        return seen.count > 10 ? Array(seen.prefix(10)) + ["and \(seen.count - 10) more"] : seen
    }
}
