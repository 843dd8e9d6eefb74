import SandboxKit

extension Format {
    /// `grep`: `path:line: text` per match, as grep -n prints them (so the console's F4 goes to
    /// each, but for a path with spaces, quotes, parentheses or colons, which F4 does not read);
    /// the sandbox's names and lines are made safe for the terminal.
    public static func grep(_ result: GrepResult) -> String {
        if result.matches.isEmpty { return "no matches\n" }
        var lines = result.matches.map { TerminalText.oneLine("\($0.path):\($0.line): \($0.text)") }
        if result.truncated { lines.append("… more matches not shown (\(result.matches.count) listed): narrow the pattern or the path") }
        return lines.joined(separator: "\n") + "\n"
    }
}
