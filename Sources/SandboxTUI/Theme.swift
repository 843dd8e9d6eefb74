import Foundation
import SandboxKit

/// A colour theme: for each ``Role`` a foreground, a background and attributes.
///
/// Theme files are text, one role per line (see themes/README.md):
/// ```
/// # comment
/// text         = #d0d0d0 on #1c1c1c
/// border-focus = #87afff bold
/// selected     = black on cyan
/// ```
public struct Theme: Equatable, Sendable {
    public struct Style: Equatable, Sendable {
        public var fg: Color?
        public var bg: Color?
        public var bold = false, underline = false, reverse = false, dim = false
    }

    public enum Color: Equatable, Sendable {
        case rgb(UInt8, UInt8, UInt8)
        /// One of the 8 basic colours (0 black … 7 white); 8–15 are their bright forms.
        case basic(Int)
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public var name: String
    public var styles: [Role: Style]

    /// A cell's look: its role's, over `background`'s background when it has one.
    public func style(_ role: Role, over background: Role?) -> Style {
        var style = self.style(role)
        if let background, let bg = styles[background]?.bg { style.bg = bg }
        return style
    }

    public func style(_ role: Role) -> Style {
        var style = styles[role] ?? styles[role.fallback] ?? styles[.text] ?? Style()
        if style.bg == nil { style.bg = styles[.text]?.bg }
        if style.fg == nil { style.fg = styles[.text]?.fg }
        return style
    }

    static let attributes: Set = ["bold", "underline", "reverse", "dim"]
    static let basicNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    public static func parse(_ text: String, name: String, file: String) throws -> Theme {
        var styles: [Role: Style] = [:]
        for (index, rawLine) in text.components(separatedBy: "\n").enumerated() {
            let content = Self.stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            if content.isEmpty { continue }
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: index + 1, message: message) }
            guard let equals = content.firstIndex(of: "=") else { throw fail("expected ROLE = COLOUR [on COLOUR] [bold|underline|reverse|dim]") }
            let key = content[..<equals].trimmingCharacters(in: .whitespaces)
            guard let role = Role(rawValue: key) else {
                throw fail("unknown role '\(key)' (known: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var words = content[content.index(after: equals)...].split(separator: " ").map(String.init)
            guard !words.isEmpty else { throw fail("'\(key)' needs a colour or an attribute") }
            var style = Style()
            if let first = words.first, first != "on", !Self.attributes.contains(first) {
                style.fg = try color(first, fail)
                words.removeFirst()
            }
            if words.first == "on" {
                guard words.count >= 2 else { throw fail("'on' needs a background colour") }
                style.bg = try color(words[1], fail)
                words.removeFirst(2)
            }
            for word in words {
                switch word {
                case "bold": style.bold = true
                case "underline": style.underline = true
                case "reverse": style.reverse = true
                case "dim": style.dim = true
                default: throw fail("unknown attribute '\(word)'")
                }
            }
            styles[role] = style
        }
        guard styles[.text] != nil else { throw ParseError(file: file, line: 1, message: "a theme must define 'text'") }
        return Theme(name: name, styles: styles)
    }

    /// A `#` starts a comment unless it begins a `#rrggbb` colour.
    static func stripComment(_ line: String) -> String {
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

    private static func color(_ word: String, _ fail: (String) -> ParseError) throws -> Color? {
        if word == "default" { return nil }
        if word.hasPrefix("#") {
            let hex = word.dropFirst()
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else { throw fail("bad colour '\(word)' (use #rrggbb)") }
            return .rgb(UInt8(value >> 16), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        let bright = word.hasPrefix("bright-")
        guard let index = basicNames.firstIndex(of: bright ? String(word.dropFirst(7)) : word) else {
            throw fail("unknown colour '\(word)' (use #rrggbb or \(basicNames.joined(separator: ", ")), bright-NAME)")
        }
        return .basic(index + (bright ? 8 : 0))
    }
}

/// Finds themes: the repository's `themes/`, then the user's `$XDG_CONFIG_HOME/sandbox/themes/`
/// (a user theme of the same name wins). The built-in default needs no file.
public struct ThemeStore: Sendable {
    public var directories: [URL]

    public init(directories: [URL]) { self.directories = directories }

    public static var standard: ThemeStore {
        let env = ProcessInfo.processInfo.environment
        var dirs: [URL] = []
        if let override = env["SANDBOX_THEMES"], !override.isEmpty { dirs.append(URL(fileURLWithPath: override)) }
        dirs += ProgramLocation.shared("themes", marker: "dark.theme")
        dirs.append(UserDirectories.config.appendingPathComponent("themes"))
        return ThemeStore(directories: dirs)
    }

    public var names: [String] {
        var names = Set(["dark"])
        for dir in directories {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where file.hasSuffix(".theme") {
                names.insert(String(file.dropLast(6)))
            }
        }
        return names.sorted()
    }

    /// Loads a theme by name; the last directory that has it wins.
    public func load(_ name: String) throws -> Theme {
        for dir in directories.reversed() {
            let url = dir.appendingPathComponent("\(name).theme")
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                return try Theme.parse(text, name: name, file: url.path)
            }
        }
        if name == "dark" { return .builtInDark }
        throw ThemeNotFound(name: name, known: names)
    }
}

public struct ThemeNotFound: Error, CustomStringConvertible {
    public var name: String
    public var known: [String]
    public var description: String { "no theme named '\(name)' (known: \(known.joined(separator: ", ")))" }
}

extension Theme {
    /// Used when no theme file is found, so the program never starts without colours.
    public static let builtInDark: Theme = try! Theme.parse("""
        text = #d0d0d0 on #1c1c1c
        dim = #808080
        border = #4e4e4e
        border-focus = #87afff bold
        title = #ffffff bold
        selected = #000000 on #87afff
        status = #d0d0d0 on #303030
        command = #ffffff
        stdout = #d0d0d0
        stderr = #ff8787
        header = #87d7ff bold
        info = #afafaf
        error = #ff5f5f bold
        line-number = #626262
        cursor-line = on #262626
        match = #000000 on #ffd75f
        running = #87d787 bold
        exited = #808080
        building = #ffd75f
        agent = #d787ff
        keyword = #87afff bold
        string = #afd787
        comment = #808080
        number = #d7af87
        constant = #d787d7
        key = #87d7ff
        """, name: "dark", file: "built-in")
}
