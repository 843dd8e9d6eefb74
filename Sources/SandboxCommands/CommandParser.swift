import SandboxKit

/// A parsed command line.
public enum Command: Sendable, Equatable {
    /// A sandbox from a runtime or an image, on a context's engine (`--on`), under an OCI runtime
    /// (`--oci-runtime`), reaching only what `policy` allows (`--allow`, `--add-host`), its
    /// commands run as `user` (`--user`).
    case new(String?, on: String? = nil, ociRuntime: String? = nil, policy: NetworkPolicy = .isolated, user: SandboxUser? = nil)
    case use(String)
    case open(String)
    case save
    case run(String?)
    case exec(String)
    case ls(String?)
    case cat(String)
    /// `write PATH <<TAG`: the front end collects lines up to `TAG` into `content`.
    case write(path: String, terminator: String, content: String)
    case ps
    case stop(String?)
    case rm(String?)
    case runtimes
    case theme(String)
    /// Starts recording the console's screen to a file; while recording, stops.
    case record(String?)
    /// Creates a sandbox of a runtime, opens its sample and runs it.
    case demo(String?)
    /// An interactive shell (or `CMD`) in the current sandbox, on a terminal of its own.
    case shell(String?)
    /// A background job of the current sandbox (`bg CMD`, `run --bg CMD`).
    case bg(String)
    case jobs
    case kill(Int)
    /// A job's kept output; nil: the newest job's.
    case logs(Int?)
    /// Forwards a port here to `port` in the current sandbox, or with `close` stops that.
    case port(Int, close: Bool)
    /// The current sandbox's network: let it reach more, deny it some, or show what it was denied.
    case allow([EgressRule])
    case deny([EgressRule])
    case egress
    /// The current sandbox's files saved as a snapshot (LABEL: the time when nil).
    case snapshot(String?)
    case snapshots
    /// The current sandbox put back to a snapshot (its latest when nil).
    case restore(String?)
    /// Copies of the current sandbox.
    case fork(Int)
    /// What changed in the current sandbox since it started; with a path, that file's diff against the image.
    case changes(String?)
    /// Lines matching an extended regular expression under PATH (the work directory when nil),
    /// printed as `path:line: text`, each a location for the console's F4.
    case grep(pattern: String, path: String?)
    /// The console's F4 and Shift-F4: the next or previous location the output names, in the editor.
    case nextError, previousError
    case help(String?)
    case quit
}

extension Command {
    /// The name of the table row that makes this command.
    public var name: String {
        switch self {
        case .new: "new"
        case .use: "use"
        case .open: "open"
        case .save: "save"
        case .run: "run"
        case .exec: "exec"
        case .ls: "ls"
        case .cat: "cat"
        case .write: "write"
        case .ps: "ps"
        case .stop: "stop"
        case .rm: "rm"
        case .runtimes: "runtimes"
        case .theme: "theme"
        case .record: "record"
        case .demo: "demo"
        case .shell: "shell"
        case .bg: "bg"
        case .jobs: "jobs"
        case .kill: "kill"
        case .logs: "logs"
        case .port: "port"
        case .allow: "allow"
        case .deny: "deny"
        case .egress: "egress"
        case .snapshot: "snapshot"
        case .snapshots: "snapshots"
        case .restore: "restore"
        case .fork: "fork"
        case .changes: "changes"
        case .grep: "grep"
        case .nextError: "next-error"
        case .previousError: "prev-error"
        case .help: "help"
        case .quit: "quit"
        }
    }
}

public enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String, suggestion: String?)
    case usage(CommandSpec)
    case unterminatedQuote
    case tooManyArguments(CommandSpec)
    case unknownOption(String, CommandSpec)
    /// A bad `--allow` or `--add-host`, in the policy's own words.
    case policy(PolicyError)
    /// A bad `--user`.
    case user(String)
    /// A bad argument, in the words of what checked it.
    case invalid(String)

    public var description: String {
        switch self {
        case .unknown(let word, let suggestion):
            "unknown command '\(word)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "; type help for the list"
        case .usage(let spec): "usage: \(spec.usageLine)"
        case .unterminatedQuote: "unterminated quote"
        case .tooManyArguments(let spec): "too many arguments; usage: \(spec.usageLine)"
        case .unknownOption(let word, let spec): "unknown option \(word); usage: \(spec.usageLine)"
        case .policy(let error): error.description
        case .user(let message), .invalid(let message): message
        }
    }
}

public enum CommandParser {
    /// Parses one line. Blank lines and `#` comments give nil.
    public static func parse(_ line: String) throws(CommandError) -> Command? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        if trimmed.hasPrefix("!") {
            let rest = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
            guard !rest.isEmpty else { throw .usage(CommandTable.spec(named: "exec")!) }
            return .exec(rest)
        }
        let word = String(trimmed.prefix { !$0.isWhitespace })
        let remainder = trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
        guard let spec = CommandTable.spec(named: word) else {
            throw .unknown(word, suggestion: CommandTable.suggestion(for: word))
        }
        if spec.argument == .rest {
            if spec.required && remainder.isEmpty { throw .usage(spec) }
            return try spec.build(CommandInput(words: [], rest: remainder))
        }
        var args = try tokenize(remainder)
        let options = try takeOptions(of: spec, from: &args)
        if spec.argument != .heredoc {  // a heredoc's row checks its own words
            if args.count > (spec.argument == nil ? 0 : 1) { throw .tooManyArguments(spec) }
            if spec.required && args.isEmpty { throw .usage(spec) }
        }
        return try spec.build(CommandInput(words: args, rest: remainder, options: options))
    }

    /// Takes the row's `--NAME VALUE` (or `--NAME=VALUE`) options out of `args`, spelled as the
    /// CLI's flags; any other word starting with `--` is an error.
    static func takeOptions(of spec: CommandSpec, from args: inout [String]) throws(CommandError) -> [String: [String]] {
        guard !spec.options.isEmpty else { return [:] }
        var options: [String: [String]] = [:]
        var rest: [String] = []
        var index = 0
        while index < args.count {
            let word = args[index]
            index += 1
            guard word.hasPrefix("--") else {
                rest.append(word)
                continue
            }
            let parts = word.dropFirst(2).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard spec.options.contains(name) else { throw .unknownOption(word, spec) }
            let value: String
            if parts.count == 2 {
                value = String(parts[1])
            } else {
                guard index < args.count else { throw .usage(spec) }
                value = args[index]
                index += 1
            }
            if value.isEmpty { throw .usage(spec) }
            options[name, default: []].append(value)
        }
        args = rest
        return options
    }

    /// `allow` and `deny`'s rules, one or more.
    static func rules(_ words: [String]) throws(CommandError) -> [EgressRule] {
        do throws(PolicyError) { return try words.map(EgressRule.init(parsing:)) } catch { throw .policy(error) }
    }

    /// `new`'s `--allow` and `--add-host` values as a policy, as the CLI's `sandbox new` checks them.
    static func policy(allow: [String], hosts: [String]) throws(CommandError) -> NetworkPolicy {
        do throws(PolicyError) { return try NetworkPolicy(allow: allow, hosts: hosts) } catch { throw .policy(error) }
    }

    /// `new`'s `--user`.
    static func user(_ text: String?) throws(CommandError) -> SandboxUser? {
        guard let text else { return nil }
        do throws(SandboxError) { return try SandboxUser(parsing: text) } catch { throw .user(error.description) }
    }

    /// `write PATH <<EOF` or `write PATH << EOF`; the front end collects the body.
    static func write(_ args: [String]) throws(CommandError) -> Command {
        let spec = CommandTable.spec(named: "write")!  // a row of the table this is built from
        guard args.count >= 2, args[1].hasPrefix("<<") else { throw .usage(spec) }
        let inline = String(args[1].dropFirst(2))
        let terminator = inline.isEmpty ? (args.count == 3 ? args[2] : "") : inline
        guard !terminator.isEmpty, args.count == (inline.isEmpty ? 3 : 2) else { throw .usage(spec) }
        return .write(path: args[0], terminator: terminator, content: "")
    }

    /// Splits words the way a shell does for quoting: '...' literal, "..." with \" and \\, and
    /// backslash escapes outside quotes.
    public static func tokenize(_ text: String) throws(CommandError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped {
                current.append(char); escaped = false; inWord = true
                continue
            }
            switch (quote, char) {
            case (nil, "\\"), ("\"", "\\"):
                escaped = true
            case (nil, "'"), (nil, "\""):
                quote = char; inWord = true
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case (nil, _) where char.isWhitespace:
                if inWord { words.append(current); current = ""; inWord = false }
            default:
                current.append(char); inWord = true
            }
        }
        if quote != nil || escaped { throw .unterminatedQuote }
        if inWord { words.append(current) }
        return words
    }
}
