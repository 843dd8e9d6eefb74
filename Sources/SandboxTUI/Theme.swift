import Foundation
import SandboxKit
import TOML

/// A colour theme: for each ``Role`` a foreground, a background and attributes.
///
/// Theme files are TOML, a string per role (see themes/README.md):
/// ```toml
/// # comment
/// text         = "#d0d0d0 on #1c1c1c"
/// border-focus = "#87afff bold"
/// selected     = "black on cyan"
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

    /// A theme file: TOML, or the line format of earlier versions (kept so users' files still load).
    public static func parse(_ text: String, name: String, file: String) throws(ParseError) -> Theme {
        let document: TOMLTable
        do { document = try TOML.parse(text) } catch {
            // An unquoted first setting (`text = #d0d0d0`) is the old format; a quoted one is TOML gone wrong.
            if let first = legacySettings(text).first, !first.spec.hasPrefix("\""), !first.spec.hasPrefix("'") {
                return try parseLegacy(text, name: name, file: file)
            }
            throw ParseError(file: file, line: error.position.line, message: error.message)
        }
        var styles: [Role: Style] = [:]
        for (key, node) in document.entries {
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: node.position.line, message: message) }
            let role = try self.role(key, fail)
            guard case .string(let spec) = node.value else {
                throw fail("'\(key)' must be a string such as \"#d0d0d0 on #1c1c1c bold\", not \(node.value.typeName)")
            }
            styles[role] = try style(spec, key: key, fail)
        }
        return try complete(styles, name: name, file: file)
    }

    static func role(_ key: String, _ fail: (String) -> ParseError) throws(ParseError) -> Role {
        guard let role = Role(rawValue: key) else {
            throw fail("unknown role '\(key)' (known: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return role
    }

    static func complete(_ styles: [Role: Style], name: String, file: String) throws(ParseError) -> Theme {
        guard styles[.text] != nil else { throw ParseError(file: file, line: 1, message: "a theme must define 'text'") }
        return Theme(name: name, styles: styles)
    }

    /// `[FOREGROUND] [on BACKGROUND] [bold] [underline] [reverse] [dim]`.
    static func style(_ spec: String, key: String, _ fail: (String) -> ParseError) throws(ParseError) -> Style {
        var words = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
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
        return style
    }

    private static func color(_ word: String, _ fail: (String) -> ParseError) throws(ParseError) -> Color? {
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
        text = "#d0d0d0 on #1c1c1c"
        dim = "#808080"
        border = "#4e4e4e"
        border-focus = "#87afff bold"
        title = "#ffffff bold"
        selected = "#000000 on #87afff"
        status = "#d0d0d0 on #303030"
        command = "#ffffff"
        stdout = "#d0d0d0"
        stderr = "#ff8787"
        header = "#87d7ff bold"
        info = "#afafaf"
        error = "#ff5f5f bold"
        line-number = "#626262"
        cursor-line = "on #262626"
        match = "#000000 on #ffd75f"
        running = "#87d787 bold"
        exited = "#808080"
        building = "#ffd75f"
        agent = "#d787ff"
        keyword = "#87afff bold"
        string = "#afd787"
        comment = "#808080"
        number = "#d7af87"
        constant = "#d787d7"
        key = "#87d7ff"
        """, name: "dark", file: "built-in")
}
