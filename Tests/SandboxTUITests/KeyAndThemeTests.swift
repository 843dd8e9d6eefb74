import Foundation
import Testing
@testable import SandboxTUI

@Suite struct KeyTableTests {
    /// The row a key runs: the focused pane's own, else a global one.
    @Test func lookupsFollowThePane() {
        func help(_ key: Key, _ scope: Scope) -> String? { KeyTable.binding(for: key, in: scope)?.help }
        #expect(help(.function(5), .editor) == "save the open file and run it")
        #expect(help(.ctrl("r"), .list) == "save the open file and run it")
        #expect(help(.ctrl("s"), .output) == "save the open file")
        #expect(help(.tab, .list) == "next pane (in the editor Tab indents)")
        #expect(help(.tab, .editor) == "indent (4 spaces)")
        #expect(help(.tab, .command) == "complete commands, sandboxes, runtimes, themes, paths")
        #expect(help(.backTab, .editor) == "previous pane")
        #expect(help(.char("q"), .list) == "quit (asks when the buffer is modified)")
        #expect(help(.char("q"), .editor) == nil, "typed into the file")
        #expect(help(.ctrl("s"), .command) == "emacs editing keys (libedit)", "the command line edits with it")
        #expect(help(.function(5), .command) == "save the open file and run it")
        #expect(help(.ctrl("c"), .editor) == "cancel the running command (killed in the container)")
        #expect(help(.ctrl("c"), .command) == "leave the command line")
    }

    @Test func noKeyIsBoundTwiceInOnePane() {
        for scope in Scope.allCases {
            let keys = KeyTable.bindings.filter { $0.scope == scope }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "\(scope)")
        }
    }

    /// Every row has keys and words for `?`: no placeholder rows.
    @Test func everyRowIsARealBinding() {
        for binding in KeyTable.bindings {
            #expect(!binding.keys.isEmpty && !binding.label.isEmpty && !binding.help.isEmpty, "\(binding.label)")
        }
    }

    @Test func theHelpScreenComesFromTheTable() {
        let help = KeyTable.helpText.joined(separator: "\n")
        for binding in KeyTable.bindings {
            #expect(help.contains(binding.label) && help.contains(binding.help))
        }
    }

    @Test func commandLineKeysBecomeTerminalBytes() {
        #expect(Key.char("é").terminalBytes == [0xC3, 0xA9])
        #expect(Key.ctrl("a").terminalBytes == [1])
        #expect(Key.left.terminalBytes == [27, 91, 68])
        #expect(Key.function(5).terminalBytes == nil)
    }
}

@Suite struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    @Test func everyShippedThemeParsesAndCoversEveryRole() throws {
        let store = ThemeStore(directories: [Self.themesDirectory])
        #expect(Set(store.names).isSuperset(of: ["dark", "light", "solarized", "mono"]))
        for name in store.names {
            let theme = try store.load(name)
            #expect(Set(theme.styles.keys) == Set(Role.allCases), "\(name) defines every role")
        }
        #expect(try store.load("dark") == Theme.builtInDark, "the built-in fallback is the dark theme file")
    }

    @Test func parsesColoursAndAttributes() throws {
        let theme = try Theme.parse("""
            # comment
            text = "#102030 on black"   # trailing comment
            error = 'bright-red bold underline'
            match = "on #ffffff reverse"
            dim = "default dim"
            """, name: "t", file: "t.theme")
        #expect(theme.style(.text).fg == .rgb(0x10, 0x20, 0x30) && theme.style(.text).bg == .basic(0))
        #expect(theme.style(.error).fg == .basic(9) && theme.style(.error).bold && theme.style(.error).underline)
        #expect(theme.style(.match).bg == .rgb(255, 255, 255) && theme.style(.match).fg == .rgb(0x10, 0x20, 0x30))
        #expect(theme.style(.header) == theme.style(.text), "undefined roles fall back to text")
    }

    /// A user's theme written before themes were TOML loads the same.
    @Test func anOldFormatThemeStillLoads() throws {
        let theme = try Theme.parse("""
            # comment
            text = #102030 on black   # trailing comment
            error = bright-red bold underline
            match = on #ffffff reverse
            dim = default dim
            """, name: "t", file: "t.theme")
        #expect(theme.style(.text).fg == .rgb(0x10, 0x20, 0x30) && theme.style(.text).bg == .basic(0))
        #expect(theme.style(.error).fg == .basic(9) && theme.style(.error).bold && theme.style(.error).underline)
        #expect(theme.style(.match).bg == .rgb(255, 255, 255) && theme.style(.match).fg == .rgb(0x10, 0x20, 0x30))
        #expect(theme.style(.header) == theme.style(.text), "undefined roles fall back to text")
    }

    @Test(arguments: [
        ("text = \"#12345\"\n", 1), ("text = \"white\"\nborder = \"purple\"\n", 2), ("text = \"white\"\nnope = \"red\"\n", 2),
        ("text = \"white\"\nerror = 3\n", 2), ("text = \"white\"\nerror = \"red\n", 2), ("text = \"white\"\ntext = \"red\"\n", 2),
        ("border = \"red\"\n", 1),
        ("text = #12345\n", 1), ("text = white\nborder = purple\n", 2), ("text = white\nnope = red\n", 2),
        ("text = white\nerror = red on\n", 2), ("text = white\nerror = red blinking\n", 2), ("border = red\n", 1),
    ])
    func brokenThemesNameTheFileAndLine(text: String, line: Int) {
        #expect { try Theme.parse(text, name: "bad", file: "/home/u/.config/sandbox/themes/bad.theme") } throws: { error in
            (error as? Theme.ParseError)?.line == line
                && "\(error)".hasPrefix("/home/u/.config/sandbox/themes/bad.theme:\(line): ")
        }
    }

    @Test func aUserThemeOverridesAShippedOne() throws {
        let user = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: user) }
        try "text = red on black\n".write(to: user.appendingPathComponent("light.theme"), atomically: true, encoding: .utf8)
        try "text = green\n".write(to: user.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
        let store = ThemeStore(directories: [Self.themesDirectory, user])
        #expect(try store.load("light").style(.text).fg == .basic(1))
        #expect(store.names.contains("mine"))
        #expect(throws: ThemeNotFound.self) { try store.load("nonexistent") }
    }

    @Test func coloursMapToWhatTheTerminalHas() {
        #expect(Palette.xterm256(0, 0, 0) == 16)
        #expect(Palette.xterm256(255, 255, 255) == 231)
        #expect(Palette.xterm256(0x87, 0xaf, 0xff) == 111)
        #expect(Palette.xterm256(0x30, 0x30, 0x30) == 236, "greys use the grey ramp")
        #expect(Palette.basic(250, 10, 10, bright: false) == 1)
        #expect(Palette.basic(10, 10, 240, bright: false) == 4)
    }
}
