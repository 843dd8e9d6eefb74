import SandboxKit

/// The arguments of the job, port and snapshot rows.
extension CommandParser {
    /// `run [--bg] [CMD|FILE]`.
    static func run(_ rest: String) throws(CommandError) -> Command {
        guard rest == "--bg" || rest.hasPrefix("--bg ") else { return .run(rest.isEmpty ? nil : rest) }
        let command = rest.dropFirst(4).trimmingCharacters(in: .whitespaces)
        guard !command.isEmpty else { throw .usage(CommandTable.spec(named: "bg")!) }  // rows of the table
        return .bg(command)
    }

    /// A job number or port: a positive whole number, else the row's usage.
    static func number(_ text: String, for row: String) throws(CommandError) -> Int {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), number > 0 else { throw .usage(CommandTable.spec(named: row)!) }
        return number
    }

    /// `snapshot [LABEL]`: nil for the default (the time).
    static func snapshotLabel(_ rest: String) throws(CommandError) -> String? {
        let label = rest.trimmingCharacters(in: .whitespaces)
        if label.isEmpty { return nil }
        do { try Snapshot.validate(label: label) } catch { throw .invalid(error.description) }
        return label
    }

    /// `port PORT` or `port -d PORT`.
    static func port(_ rest: String) throws(CommandError) -> Command {
        let words = rest.split(separator: " ", omittingEmptySubsequences: true)
        let close = words.first == "-d"
        guard words.count == (close ? 2 : 1), let port = words.last.flatMap({ Int($0) }), (1...65535).contains(port) else {
            throw .usage(CommandTable.spec(named: "port")!)
        }
        return .port(port, close: close)
    }

    /// `grep PATTERN [PATH]`, quoted as a shell would (`grep 'a b' src`).
    static func grep(_ rest: String) throws(CommandError) -> Command {
        let words = try tokenize(rest)
        guard (1...2).contains(words.count), !words[0].isEmpty else { throw .usage(CommandTable.spec(named: "grep")!) }
        return .grep(pattern: words[0], path: words.count == 2 ? words[1] : nil)
    }
}
