import MCP

/// The console tools offered to agents, with schemas and descriptions written for a model.
public enum AgentTools {
    public struct Options: Sendable {
        public var readOnly = false
        public var allowExecute = true
        public var defaultTimeout: Double = 120
        public init(readOnly: Bool = false, allowExecute: Bool = true, defaultTimeout: Double = 120) {
            (self.readOnly, self.allowExecute, self.defaultTimeout) = (readOnly, allowExecute, defaultTimeout)
        }
    }

    public static let readOnlyNames: Set<String> = ["ls", "read_file", "glob", "grep"]

    public static func tools(_ options: Options) -> [Tool] {
        all(defaultTimeout: options.defaultTimeout).filter { tool in
            if options.readOnly { return readOnlyNames.contains(tool.name) }
            return options.allowExecute || tool.name != "execute"
        }
    }

    static func all(defaultTimeout: Double) -> [Tool] {
        [
            Tool(name: "ls",
                 description: "List a directory in the sandbox: one entry per line with size and modification time; directories end in '/'. Relative paths start at the working directory.",
                 inputSchema: schema(["path": string("Directory to list; default: the working directory.")], required: []),
                 annotations: .init(readOnlyHint: true)),
            Tool(name: "read_file",
                 description: "Read a text file as numbered lines (like `cat -n`). Long files come in pages: when more lines remain, a final line says which offset to read next.",
                 inputSchema: schema([
                    "path": string("File to read."),
                    "offset": integer("0-based line to start at.", default: 0),
                    "limit": integer("Most lines to return.", default: 2000),
                 ], required: ["path"]),
                 annotations: .init(readOnlyHint: true)),
            Tool(name: "write_file",
                 description: "Create or overwrite a file with the given text. Missing parent directories are created.",
                 inputSchema: schema(["path": string("File to write."), "content": string("The complete new content.")],
                                     required: ["path", "content"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: true)),
            Tool(name: "edit_file",
                 description: "Replace an exact string in a file. old_string must occur exactly once unless replace_all is true; include surrounding lines to make it unique. Returns how many replacements were made.",
                 inputSchema: schema([
                    "path": string("File to edit."),
                    "old_string": string("Exact text to find (whitespace matters)."),
                    "new_string": string("Text to put in its place."),
                    "replace_all": boolean("Replace every occurrence.", default: false),
                 ], required: ["path", "old_string", "new_string"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: true)),
            Tool(name: "glob",
                 description: "Find paths matching a shell pattern. A pattern without '/' matches file names at any depth (*.py); with '/' it matches the path relative to `path`, where ** spans directories (src/**/*.ts). At most 1000 results.",
                 inputSchema: schema(["pattern": string("Glob pattern."), "path": string("Directory to search; default: the working directory.")],
                                     required: ["pattern"]),
                 annotations: .init(readOnlyHint: true)),
            Tool(name: "grep",
                 description: "Search file contents with an extended regular expression. Returns path:line: text for each match, at most 1000.",
                 inputSchema: schema([
                    "pattern": string("Extended regular expression (grep -E)."),
                    "path": string("File or directory to search; default: the working directory."),
                    "glob": string("Only search files whose name matches this pattern, e.g. *.py."),
                 ], required: ["pattern"]),
                 annotations: .init(readOnlyHint: true)),
            Tool(name: "execute",
                 description: "Run a shell command (sh -c) in the working directory and return its combined stdout and stderr, exit code, and whether the output was truncated (at 100,000 characters). A command still running at the timeout is killed with its children and reports exit code 124.",
                 inputSchema: schema([
                    "command": string("Shell command line."),
                    "timeout": number("Seconds before the command is killed; default \(Int(defaultTimeout)).", default: defaultTimeout),
                 ], required: ["command"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: true, openWorldHint: true)),
        ]
    }

    private static func schema(_ properties: [String: Value], required: [String]) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
                 "additionalProperties": false])
    }
    private static func string(_ description: String) -> Value { .object(["type": "string", "description": .string(description)]) }
    private static func integer(_ description: String, default value: Int) -> Value {
        .object(["type": "integer", "description": .string(description), "default": .int(value), "minimum": 0])
    }
    private static func number(_ description: String, default value: Double) -> Value {
        .object(["type": "number", "description": .string(description), "default": .double(value), "exclusiveMinimum": 0])
    }
    private static func boolean(_ description: String, default value: Bool) -> Value {
        .object(["type": "boolean", "description": .string(description), "default": .bool(value)])
    }
}
