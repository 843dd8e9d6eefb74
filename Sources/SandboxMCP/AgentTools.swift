import MCP
import SandboxCommands
import SandboxKit

/// What a tool call returns to the agent.
public struct ToolOutcome: Sendable {
    public var text: String
    public var isError: Bool
    public var structured: Value?
    /// The session's sandbox from now on (a restore puts a new container under its name).
    var replacement: DockerSandbox?

    init(_ text: String, structured: Value? = nil) { (self.text, self.isError, self.structured) = (text, false, structured) }
    init(error: any Error) { (text, isError, structured) = ("\(error)", true, nil) }
}

/// One tool in one row: what the agent is shown (name, description, input schema) and what runs.
struct AgentTool: Sendable {
    enum Access { case read, write, execute }
    let name: String
    let access: Access
    let description: String
    let properties: [String: Value]
    let required: [String]
    let handler: @Sendable (Arguments, DockerSandbox) async throws -> ToolOutcome

    var definition: Tool {
        let annotations: Tool.Annotations = switch access {
        case .read: .init(readOnlyHint: true)
        case .write: .init(readOnlyHint: false, destructiveHint: true)
        case .execute: .init(readOnlyHint: false, destructiveHint: true, openWorldHint: true)
        }
        return Tool(name: name, description: description,
                    inputSchema: .object(["type": "object", "properties": .object(properties),
                                          "required": .array(required.map { .string($0) }), "additionalProperties": false]),
                    annotations: annotations)
    }
}

/// The console tools offered to agents, with schemas and descriptions written for a model.
public enum AgentTools {
    public struct Options: Sendable {
        public var readOnly = false
        public var allowExecute = true
        public var defaultTimeout: Double = 120
        /// Where the sandbox made for the agent may connect to; nil for an existing sandbox (`--sandbox`), whose it is.
        public var network: NetworkPolicy?
        /// Whom the sandbox made for the agent runs its commands as (no root unless asked); nil for an existing sandbox.
        public var user: SandboxUser?
        public init(readOnly: Bool = false, allowExecute: Bool = true, defaultTimeout: Double = 120, network: NetworkPolicy? = .isolated,
                    user: SandboxUser? = .unprivileged) {
            (self.readOnly, self.allowExecute, self.defaultTimeout, self.network, self.user) = (readOnly, allowExecute, defaultTimeout, network, user)
        }
    }

    /// The server's instructions to the agent: whom its commands run as and where its sandbox
    /// may connect to (nothing for an existing sandbox, whose this server did not choose).
    public static func instructions(_ options: Options) -> String? {
        let notes = [options.user.map(userNote), options.network.map(networkNote)].compactMap { $0 }
        return notes.isEmpty ? nil : notes.joined(separator: "\n")
    }

    /// Whom its commands run as, so a refused write outside its home is no surprise.
    static func userNote(_ user: SandboxUser) -> String {
        user.isRoot ? "User: commands run as root in the sandbox."
            : "User: commands run as \(user), not root: write in the work directory or your home (pip install --user); system paths are read-only to you."
    }

    /// The sandbox's network policy in an agent's terms, so a refused connection is no surprise.
    static func networkNote(_ policy: NetworkPolicy) -> String {
        guard policy.isAllowList else {
            return "Network: the internet, but not this machine's services, cloud metadata addresses or other sandboxes "
                + "(unless the engine cannot enforce that: `sandbox doctor` says)."
        }
        let names = policy.hosts.isEmpty ? "" : " (\(policy.hosts.map(\.description).joined(separator: ", ")) in /etc/hosts)"
        return "Network: only \(policy.allow.map(\.description).joined(separator: ", "))\(names); "
            + "other names do not resolve and every other connection is refused (a refusal is recorded)."
    }

    /// The most lines one read_file call returns.
    static let lineLimit = 100_000

    /// What this server offers the agent.
    public static func tools(_ options: Options) -> [Tool] { offered(options).map(\.definition) }

    static func offered(_ options: Options) -> [AgentTool] {
        table(options).filter { tool in
            switch tool.access {
            case .read: true
            case .write: !options.readOnly
            case .execute: !options.readOnly && options.allowExecute
            }
        }
    }

    /// Every tool, offered or not (so a call to one left out can say why).
    static func table(_ options: Options) -> [AgentTool] {
        [
            AgentTool(name: "ls", access: .read,
                      description: "List a directory in the sandbox: one entry per line with size and modification time; directories end in '/'. Relative paths start at the working directory.",
                      properties: ["path": string("Directory to list; default: the working directory.")], required: [],
                      handler: AgentHandlers.ls),
            AgentTool(name: "read_file", access: .read,
                      description: "Read a text file as numbered lines (like `cat -n`). Long files come in pages: when more lines remain, a final line says which offset to read next.",
                      properties: [
                          "path": string("File to read."),
                          "offset": integer("0-based line to start at.", default: 0, minimum: 0),
                          "limit": integer("Most lines to return.", default: 2000, minimum: 1, maximum: lineLimit),
                      ], required: ["path"],
                      handler: AgentHandlers.readFile),
            AgentTool(name: "write_file", access: .write,
                      description: "Create or overwrite a file with the given text. Missing parent directories are created.",
                      properties: ["path": string("File to write."), "content": string("The complete new content.")],
                      required: ["path", "content"],
                      handler: AgentHandlers.writeFile),
            AgentTool(name: "edit_file", access: .write,
                      description: "Replace an exact string in a file. old_string must occur exactly once unless replace_all is true; include surrounding lines to make it unique. Returns how many replacements were made.",
                      properties: [
                          "path": string("File to edit."),
                          "old_string": string("Exact text to find (whitespace matters)."),
                          "new_string": string("Text to put in its place."),
                          "replace_all": boolean("Replace every occurrence.", default: false),
                      ], required: ["path", "old_string", "new_string"],
                      handler: AgentHandlers.editFile),
            AgentTool(name: "glob", access: .read,
                      description: "Find paths matching a shell pattern. A pattern without '/' matches file names at any depth (*.py); with '/' it matches the path relative to `path`, where ** spans directories (src/**/*.ts). At most 1000 results.",
                      properties: ["pattern": string("Glob pattern."), "path": string("Directory to search; default: the working directory.")],
                      required: ["pattern"],
                      handler: AgentHandlers.glob),
            AgentTool(name: "grep", access: .read,
                      description: "Search file contents with an extended regular expression. Returns path:line: text for each match, at most 1000.",
                      properties: [
                          "pattern": string("Extended regular expression (grep -E)."),
                          "path": string("File or directory to search; default: the working directory."),
                          "glob": string("Only search files whose name matches this pattern, e.g. *.py."),
                      ], required: ["pattern"],
                      handler: AgentHandlers.grep),
            AgentTool(name: "execute", access: .execute,
                      description: "Run a shell command (sh -c) in the working directory and return its combined stdout and stderr, exit code, and whether the output was truncated (at 100,000 characters). A command still running at the timeout is killed with its children and reports exit code 124."
                          + (options.network.map { " " + networkNote($0) } ?? ""),
                      properties: [
                          "command": string("Shell command line."),
                          "timeout": .object(["type": "number", "description": .string("Seconds before the command is killed; default \(Format.duration(options.defaultTimeout)), at most \(Int(Timeout.maximumSeconds))."),
                                              "default": .double(options.defaultTimeout), "exclusiveMinimum": 0, "maximum": .double(Timeout.maximumSeconds)]),
                      ], required: ["command"],
                      handler: { try await AgentHandlers.execute($0, $1, defaultTimeout: options.defaultTimeout) }),
            AgentTool(name: "changes", access: .read,
                      description: "What was added (+), changed (~) and deleted (-) in the sandbox's files since it started, by directory; with path, that file's unified diff against its original version.",
                      properties: ["path": string("A changed file to diff; omit for the list.")], required: [],
                      handler: AgentHandlers.changes),
            AgentTool(name: "snapshot", access: .write,
                      description: "Save the sandbox's files as a snapshot you can go back to with restore: before trying something risky. At most 10; returns its name.",
                      properties: ["label": string("A name for it: letters, digits, _ . - (default: the time).")], required: [],
                      handler: AgentHandlers.snapshot),
            AgentTool(name: "restore", access: .write,
                      description: "Put the sandbox's files back as they were at a snapshot (the latest by default). What was written since is gone; running processes and background commands end.",
                      properties: ["snapshot": string("The label given to snapshot, or its full name; default: the latest.")], required: [],
                      handler: AgentHandlers.restore),
        ]
    }

    private static func string(_ description: String) -> Value { .object(["type": "string", "description": .string(description)]) }
    private static func integer(_ description: String, default value: Int, minimum: Int, maximum: Int? = nil) -> Value {
        var schema: [String: Value] = ["type": "integer", "description": .string(description), "default": .int(value), "minimum": .int(minimum)]
        if let maximum { schema["maximum"] = .int(maximum) }
        return .object(schema)
    }
    private static func boolean(_ description: String, default value: Bool) -> Value {
        .object(["type": "boolean", "description": .string(description), "default": .bool(value)])
    }
}
