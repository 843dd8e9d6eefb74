import Foundation
import Testing
@testable import SandboxTUI

@Suite struct KeyTableTests {
    @Test func lookupsFollowThePane() {
        #expect(KeyTable.action(for: .function(5), in: .editor) == .saveAndRun)
        #expect(KeyTable.action(for: .ctrl("r"), in: .list) == .saveAndRun)
        #expect(KeyTable.action(for: .ctrl("s"), in: .output) == .save)
        #expect(KeyTable.action(for: .tab, in: .list) == .focusNext)
        #expect(KeyTable.action(for: .tab, in: .editor) == .indent)
        #expect(KeyTable.action(for: .backTab, in: .editor) == .focusPrevious)
        #expect(KeyTable.action(for: .char("q"), in: .list) == .quit)
        #expect(KeyTable.action(for: .char("q"), in: .editor) == nil, "typed into the file")
        #expect(KeyTable.action(for: .char("j"), in: .list) == .down)
        #expect(KeyTable.action(for: .char("/"), in: .output) == .search)
        #expect(KeyTable.action(for: .ctrl("f"), in: .editor) == .search)
        #expect(KeyTable.action(for: .ctrl("c"), in: .editor) == .cancel)
        #expect(KeyTable.action(for: .function(9), in: .list) == .toggleMouse)
    }

    @Test func noKeyIsBoundTwiceInOnePane() {
        for scope in Scope.allCases {
            let keys = KeyTable.bindings.filter { $0.scope == scope }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "\(scope)")
        }
    }

    @Test func theHelpScreenComesFromTheTable() {
        let help = KeyTable.helpText.joined(separator: "\n")
        for binding in KeyTable.bindings where !binding.label.isEmpty {
            #expect(help.contains(binding.label) && help.contains(binding.help))
        }
    }

    @Test func commandLineKeysBecomeTerminalBytes() {
        #expect(ConsoleApp.bytes(for: .char("é")) == [0xC3, 0xA9])
        #expect(ConsoleApp.bytes(for: .ctrl("a")) == [1])
        #expect(ConsoleApp.bytes(for: .left) == [27, 91, 68])
        #expect(ConsoleApp.bytes(for: .function(5)) == nil)
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

    @Test func randomTextNeverCrashesTheParser() {
        let alphabet = Array("text=#0aF on bold\nred-brightx ")
        for _ in 0..<5000 {
            _ = try? Theme.parse(String((0..<Int.random(in: 0...40)).map { _ in alphabet.randomElement()! }), name: "r", file: "r")
        }
    }
}
