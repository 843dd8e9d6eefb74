/// The one table of commands: the TUI command line, the REPL, completion and `help` all read it.
public struct CommandSpec: Sendable, Equatable {
    public enum Argument: Sendable, Equatable {
        /// A word completed from sandbox names.
        case sandbox
        /// A runtime name or an image.
        case runtimeOrImage
        /// A path inside the current sandbox.
        case path
        case theme
        case command
        /// Everything after the command name, kept verbatim (shell commands).
        case rest
        /// A path, then `<<TAG`: the lines up to TAG are the content.
        case heredoc
    }

    public var name: String
    public var aliases: [String] = []
    /// Placeholder shown in usage, e.g. "[PATH]".
    public var usage: String
    public var argument: Argument?
    public var required: Bool = false
    /// Options taking a value (`--on CONTEXT`), named as the CLI's flags of the same command.
    public var options: [String] = []
    public var summary: String
    /// Only meaningful with an editor buffer and themes (the full-screen TUI).
    public var tuiOnly: Bool = false
    /// Makes the command from what followed its name, once the parser has checked the count
    /// against `argument` and `required`: the row is the parser, so a new row cannot parse as another.
    public var build: @Sendable (CommandInput) throws(CommandError) -> Command

    public var usageLine: String { usage.isEmpty ? name : "\(name) \(usage)" }

    public static func == (a: CommandSpec, b: CommandSpec) -> Bool { a.name == b.name }
}

/// What followed a command's name: the words (quotes removed), or the text verbatim for `.rest`.
public struct CommandInput: Sendable {
    public var words: [String]
    public var rest: String
    /// The row's options given, by name: each value in the order given.
    public var options: [String: [String]] = [:]

    /// An option's value; given twice, the last.
    public func option(_ name: String) -> String? { options[name]?.last }
    /// A repeatable option's values (`--allow A --allow B`).
    public func values(_ name: String) -> [String] { options[name] ?? [] }

    /// The optional single argument.
    public var word: String? { words.first }
    /// The single argument of a command that requires one (the parser made sure it is there).
    public var required: String { words.first ?? rest }
}

public enum CommandTable {
    public static let all: [CommandSpec] = [
        CommandSpec(name: "new", usage: "[--on CONTEXT] [--oci-runtime RUNTIME] [--allow HOST[:PORT]]... [--add-host NAME:IP]... [--user UID[:GID]|NAME] [RUNTIME|IMAGE]",
                    argument: .runtimeOrImage, options: ["on", "oci-runtime", "allow", "add-host", "user"],
                    summary: "create a sandbox from a runtime or an image and make it current; --on: on that Docker context's engine, --oci-runtime: under that OCI runtime (runsc: gVisor), "
                        + "--allow: let it reach only these (a name, *.domain, IPv4 or CIDR, :PORT or not; repeatable), --add-host: a name for an address in it, "
                        + "--user: run its commands as that user (made when the image lacks it)",
                    build: { input throws(CommandError) in
                        .new(input.word, on: input.option("on"), ociRuntime: input.option("oci-runtime"),
                             policy: try CommandParser.policy(allow: input.values("allow"), hosts: input.values("add-host")),
                             user: try CommandParser.user(input.option("user")))
                    }),
        CommandSpec(name: "use", usage: "NAME", argument: .sandbox, required: true, summary: "make an existing sandbox current", build: { .use($0.required) }),
        CommandSpec(name: "open", usage: "PATH", argument: .path, required: true,
                    summary: "open a file of the current sandbox (in the REPL: print it)", build: { .open($0.required) }),
        CommandSpec(name: "save", usage: "", summary: "write the editor buffer back to the sandbox", tuiOnly: true, build: { _ in .save }),
        CommandSpec(name: "run", usage: "[CMD|FILE]", argument: .rest,
                    summary: "run a command, or a file by its extension (.py python, .js node, .sh sh); alone: the open file; --bg CMD: as a job", build: { input throws(CommandError) in try CommandParser.run(input.rest) }),
        CommandSpec(name: "exec", aliases: ["!"], usage: "CMD", argument: .rest, required: true,
                    summary: "run a shell command in the current sandbox (also !CMD)", build: { .exec($0.rest) }),
        CommandSpec(name: "ls", usage: "[PATH]", argument: .path, summary: "list a directory of the current sandbox", build: { .ls($0.word) }),
        CommandSpec(name: "cat", usage: "PATH", argument: .path, required: true, summary: "print a file of the current sandbox", build: { .cat($0.required) }),
        CommandSpec(name: "write", usage: "PATH <<EOF", argument: .heredoc, required: true,
                    summary: "write the following lines, up to EOF, to a file", build: { input throws(CommandError) in try CommandParser.write(input.words) }),
        CommandSpec(name: "ps", usage: "", summary: "list sandboxes", build: { _ in .ps }),
        CommandSpec(name: "stop", usage: "[NAME]", argument: .sandbox, summary: "stop a sandbox (the current one by default)", build: { .stop($0.word) }),
        CommandSpec(name: "rm", usage: "[NAME]", argument: .sandbox, summary: "remove a sandbox (the current one by default)", build: { .rm($0.word) }),
        CommandSpec(name: "runtimes", usage: "", summary: "list runtimes and whether their images are built", build: { _ in .runtimes }),
        CommandSpec(name: "theme", usage: "NAME", argument: .theme, required: true, summary: "switch the colour theme", tuiOnly: true, build: { .theme($0.required) }),
        CommandSpec(name: "record", usage: "[FILE]", argument: .rest,
                    summary: "record the screen to FILE (asciicast v2, for asciinema play); again stops", tuiOnly: true, build: { .record($0.rest.isEmpty ? nil : $0.rest) }),
        CommandSpec(name: "demo", usage: "[RUNTIME]", argument: .runtimeOrImage,
                    summary: "create a sandbox of RUNTIME (python-minimal), open its sample and run it", build: { .demo($0.word) }),
        CommandSpec(name: "shell", usage: "[CMD]", argument: .rest,
                    summary: "an interactive shell in the current sandbox (bash, else sh), or CMD on a terminal; exit ends it",
                    build: { .shell($0.rest.isEmpty ? nil : $0.rest) }),
        CommandSpec(name: "bg", usage: "CMD", argument: .rest, required: true,
                    summary: "run a shell command as a background job of the current sandbox; its output is kept there", build: { .bg($0.rest) }),
        CommandSpec(name: "jobs", usage: "", summary: "list the current sandbox's background jobs", build: { _ in .jobs }),
        CommandSpec(name: "kill", usage: "JOB", argument: .rest, required: true, summary: "end a background job and everything it started",
                    build: { input throws(CommandError) in .kill(try CommandParser.number(input.rest, for: "kill")) }),
        CommandSpec(name: "logs", usage: "[JOB]", argument: .rest, summary: "a background job's output (the newest job's by default)",
                    build: { input throws(CommandError) in .logs(input.rest.isEmpty ? nil : try CommandParser.number(input.rest, for: "logs")) }),
        CommandSpec(name: "port", usage: "[-d] PORT", argument: .rest, required: true,
                    summary: "forward a port here to PORT in the current sandbox (over the Docker API); -d stops it",
                    build: { input throws(CommandError) in try CommandParser.port(input.rest) }),
        CommandSpec(name: "allow", usage: "HOST[:PORT]...", argument: .rest, required: true,
                    summary: "let the current sandbox reach more while it runs: a rule of its allow-list, or an exception to its isolation",
                    build: { input throws(CommandError) in .allow(try CommandParser.rules(input.rest.split(separator: " ").map(String.init))) }),
        CommandSpec(name: "deny", usage: "HOST[:PORT]...", argument: .rest, required: true,
                    summary: "deny the current sandbox a destination while it runs, before anything its rules allow",
                    build: { input throws(CommandError) in .deny(try CommandParser.rules(input.rest.split(separator: " ").map(String.init))) }),
        CommandSpec(name: "egress", usage: "", summary: "what the current sandbox was denied on the network (names, hosts, addresses)",
                    build: { _ in .egress }),
        CommandSpec(name: "changes", usage: "[PATH]", argument: .path,
                    summary: "what was added, changed and deleted in the current sandbox since it started; with PATH, its diff against the image",
                    build: { .changes($0.word) }),
        CommandSpec(name: "grep", usage: "PATTERN [PATH]", argument: .rest, required: true,
                    summary: "lines of files under PATH (the work directory) matching an extended regular expression, as path:line: text (F4 goes to each)",
                    build: { input throws(CommandError) in try CommandParser.grep(input.rest) }),
        CommandSpec(name: "next-error", usage: "", summary: "open the next location the output names (a traceback's, path:line[:col], a stack frame's) in the editor; also F4",
                    tuiOnly: true, build: { _ in .nextError }),
        CommandSpec(name: "prev-error", usage: "", summary: "the previous such location; also Shift-F4", tuiOnly: true, build: { _ in .previousError }),
        CommandSpec(name: "snapshot", usage: "[LABEL]", argument: .rest,
                    summary: "save the current sandbox's files and settings as NAME:LABEL (default label: the time; host volumes are not in it)",
                    build: { input throws(CommandError) in .snapshot(try CommandParser.snapshotLabel(input.rest)) }),
        CommandSpec(name: "snapshots", usage: "", summary: "list snapshots (sandbox snapshots rm removes one)", build: { _ in .snapshots }),
        CommandSpec(name: "restore", usage: "[SNAPSHOT]", argument: .rest,
                    summary: "put the current sandbox back to a snapshot (its latest by default); its processes, jobs, ports and shells are not carried",
                    build: { input throws(CommandError) in .restore(input.rest.isEmpty ? nil : input.rest) }),
        CommandSpec(name: "fork", usage: "[N]", argument: .rest, summary: "make N running copies of the current sandbox (1 by default), named NAME-1, NAME-2…",
                    build: { input throws(CommandError) in
                        let count = input.rest.isEmpty ? 1 : try CommandParser.number(input.rest, for: "fork")
                        guard count <= 100 else { throw .usage(CommandTable.spec(named: "fork")!) }
                        return .fork(count)
                    }),
        CommandSpec(name: "help", usage: "[CMD]", argument: .command, summary: "list commands, or explain one", build: { .help($0.word) }),
        CommandSpec(name: "quit", aliases: ["exit"], usage: "", summary: "leave", build: { _ in .quit }),
    ]

    /// The row a parsed command came from.
    public static func spec(for command: Command) -> CommandSpec? { spec(named: command.name) }

    public static func spec(named name: String) -> CommandSpec? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Every word that names a command, for completion and suggestions.
    public static var words: [String] { all.flatMap { [$0.name] + $0.aliases.filter { $0 != "!" } } }

    /// The closest command name to a mistyped one, if any is close enough to be meant.
    public static func suggestion(for word: String) -> String? {
        let scored = words.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(1, min(2, best.count / 2)) else { return nil }
        return best
    }

    /// The `help` text: every command, or one in detail.
    public static func help(_ name: String? = nil, tui: Bool) -> String {
        if let name {
            guard let spec = spec(named: name) else { return "unknown command '\(name)'" }
            let aliases = spec.aliases.isEmpty ? "" : " (also \(spec.aliases.joined(separator: ", ")))"
            return "\(spec.usageLine)\(aliases)\n  \(spec.summary)"
        }
        let shown = all.filter { tui || !$0.tuiOnly }
        let width = shown.map(\.usageLine.count).max() ?? 0
        return shown.map { $0.usageLine.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
            .joined(separator: "\n")
    }

    /// The same distance, for other front ends' own word lists (the CLI's subcommands).
    public static func editDistanceForSuggestions(_ a: String, _ b: String) -> Int { editDistance(a, b) }

    /// Optimal-string-alignment distance: inserts, deletes, substitutions and swaps of neighbours
    /// (so `exce` is one edit from `exec`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
