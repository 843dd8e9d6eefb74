import SandboxKit

extension Format {
    /// `changes`: by directory, `+` added, `~` changed, `-` deleted, then the counts.
    public static func changes(_ changes: SandboxChanges, limit: Int = 2_000) -> String {
        if changes.entries.isEmpty { return "nothing changed since it started\n" }
        var lines: [String] = []
        var shown = 0
        for (directory, entries) in changes.byDirectory {
            guard shown < limit else { break }
            lines.append("\(directory == "/" ? "/" : directory + "/") (\(entries.count))")
            for entry in entries.prefix(limit - shown) {
                let mark = switch entry.kind { case .added: "+"; case .changed: "~"; case .deleted: "-" }
                lines.append("  \(mark) \(entry.path.split(separator: "/").last.map(String.init) ?? entry.path)")
                shown += 1
            }
        }
        if shown < changes.entries.count { lines.append("… \(changes.entries.count - shown) more (--json lists them all)") }
        lines.append(summary(changes))
        return lines.map(TerminalText.oneLine).joined(separator: "\n") + "\n"
    }

    /// A diff of a sandbox's file: its lines are the sandbox's, so no escape sequence reaches a terminal.
    public static func diff(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map(TerminalText.oneLine).joined(separator: "\n") + "\n"
    }

    /// "2 added, 1 changed, 0 deleted".
    public static func summary(_ changes: SandboxChanges) -> String {
        "\(changes.added) added, \(changes.changed) changed, \(changes.deleted) deleted"
    }
}
