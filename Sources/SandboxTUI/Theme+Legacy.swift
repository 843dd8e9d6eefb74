/// The theme format before TOML: `ROLE = SPEC` lines, unquoted, where `#` starts a comment unless it
/// begins a `#rrggbb` colour. Read only so that users' existing theme files keep working.
extension Theme {
    static func parseLegacy(_ text: String, name: String, file: String) throws(ParseError) -> Theme {
        var styles: [Role: Style] = [:]
        for setting in legacySettings(text) {
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: setting.line, message: message) }
            guard let key = setting.key else { throw fail("expected ROLE = COLOUR [on COLOUR] [bold|underline|reverse|dim]") }
            styles[try role(key, fail)] = try style(setting.spec, key: key, fail)
        }
        return try complete(styles, name: name, file: file)
    }

    /// Each line that is not blank or a comment: its key (nil without an `=`) and what follows the `=`.
    static func legacySettings(_ text: String) -> [(line: Int, key: String?, spec: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let content = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            guard !content.isEmpty else { return nil }
            guard let equals = content.firstIndex(of: "=") else { return (index + 1, nil, content) }
            return (index + 1, content[..<equals].trimmingCharacters(in: .whitespaces),
                    content[content.index(after: equals)...].trimmingCharacters(in: .whitespaces))
        }
    }

    private static func stripComment(_ line: String) -> String {
        var previous: Character = " "
        for (offset, char) in line.enumerated() {
            if char == "#" && (previous == " " || previous == "\t" || offset == 0) {
                let rest = line.dropFirst(offset + 1)
                let isColour = rest.prefix(6).count == 6 && rest.prefix(6).allSatisfy(\.isHexDigit)
                    && (rest.count == 6 || rest.dropFirst(6).first == " ")
                if !isColour { return String(line.prefix(offset)) }
            }
            previous = char
        }
        return line
    }
}
