import Foundation
import Testing
@testable import SandboxTUI

/// The editor's colours: each language's tokens, state carried across lines, the cache, and
/// the colours every shipped theme gives them on the headless screen.
@Suite struct HighlightTests {
    /// The coloured words of each line, as "kind:text", scanning the lines in order.
    static func colours(_ text: String, _ language: Language) -> [[String]] {
        var state = LineState.normal
        return text.components(separatedBy: "\n").map { line in
            let chars = Array(line)
            let (tokens, next) = Highlighter.line(chars, language, from: state)
            state = next
            return tokens.map { "\($0.kind):" + String(chars[$0.start..<$0.end]) }
        }
    }

    @Test func python() {
        let lines = Self.colours("""
            def fib(n: int) -> int:  # the classic
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            doc = \"\"\"one
            two # not a comment
            three\"\"\" + 'x\\'y' + f"{n}" + None
            x = 0x1F + 3.5e2
            """, .python)
        #expect(lines[0] == ["keyword:def", "comment:# the classic"])
        #expect(lines[1] == ["keyword:return", "keyword:if", "number:2", "keyword:else", "number:1", "number:2"])
        #expect(lines[2] == ["string:\"\"\"one"])
        #expect(lines[3] == ["string:two # not a comment"], "a triple-quoted string runs on")
        #expect(lines[4] == ["string:three\"\"\"", "string:'x\\'y'", "string:\"{n}\"", "constant:None"])
        #expect(lines[5] == ["number:0x1F", "number:3.5e2"])
    }

    @Test func javascriptAndTypeScript() {
        let lines = Self.colours("""
            const greet = (name: string): string => `hello ${name}
            and more` // done
            /* a block
               comment */ let n = 42; interface A {}
            const url = "http://x"; // a comment after a string with //
            """, .javascript)
        #expect(lines[0] == ["keyword:const", "string:`hello ${name}"])
        #expect(lines[1] == ["string:and more`", "comment:// done"], "a template literal runs on")
        #expect(lines[2] == ["comment:/* a block"])
        #expect(lines[3] == ["comment:   comment */", "keyword:let", "number:42", "keyword:interface"])
        #expect(lines[4] == ["keyword:const", "string:\"http://x\"", "comment:// a comment after a string with //"])
    }

    @Test func shell() {
        let lines = Self.colours("""
            #!/bin/sh
            for f in *.txt; do echo "$f has ${#f} chars"; done # loop
            echo $# a#b 'it''s' "two
            lines"
            """, .shell)
        #expect(lines[0] == ["comment:#!/bin/sh"])
        #expect(lines[1] == ["keyword:for", "keyword:in", "keyword:do", "keyword:echo", "string:\"$f has ${#f} chars\"", "keyword:done",
                             "comment:# loop"])
        #expect(lines[2] == ["keyword:echo", "constant:$#", "string:'it'", "string:'s'", "string:\"two"], "$# and a#b are no comments")
        #expect(lines[3] == ["string:lines\""])
    }

    @Test func json() {
        let lines = Self.colours(#"{"name": "demo", "n": -1.5, "ok": true, "none": null, "list": ["a"]}"#, .json)
        #expect(lines[0] == ["key:\"name\"", "string:\"demo\"", "key:\"n\"", "number:1.5", "key:\"ok\"", "constant:true",
                             "key:\"none\"", "constant:null", "key:\"list\"", "string:\"a\""])
    }

    @Test func toml() {
        let lines = Self.colours("""
            [python-web]  # a runtime
            image = "sandbox-test/python:3.11"
            packages = ["fastapi", "uvicorn"]
            env = { PYTHONUNBUFFERED = "1", "X" = 'raw\\' }
            notes = '''
            [not a table]'''
            """, .toml)
        #expect(lines[0] == ["keyword:[python-web]", "comment:# a runtime"])
        #expect(lines[1] == ["key:image", "string:\"sandbox-test/python:3.11\""])
        #expect(lines[2] == ["key:packages", "string:\"fastapi\"", "string:\"uvicorn\""], "strings in an array are no keys")
        #expect(lines[3] == ["key:env", "key:PYTHONUNBUFFERED", "string:\"1\"", "key:\"X\"", "string:'raw\\'"])
        #expect(lines[4] == ["key:notes", "string:'''"])
        #expect(lines[5] == ["string:[not a table]'''"])
    }

    @Test func languageByExtensionThenShebang() {
        #expect(Language.of(path: "/w/app.py", firstLine: "") == .python)
        #expect(Language.of(path: "/w/App.tsx", firstLine: "") == .javascript)
        #expect(Language.of(path: "/w/main.mjs", firstLine: "") == .javascript)
        #expect(Language.of(path: "/w/run.sh", firstLine: "") == .shell)
        #expect(Language.of(path: "/w/package.json", firstLine: "") == .json)
        #expect(Language.of(path: "/w/runtimes.toml", firstLine: "") == .toml)
        #expect(Language.of(path: "/w/tool", firstLine: "#!/usr/bin/env python3") == .python)
        #expect(Language.of(path: "/w/tool", firstLine: "#!/usr/bin/env -S node --no-warnings") == .javascript)
        #expect(Language.of(path: "/w/tool", firstLine: "#!/bin/bash -e") == .shell)
        #expect(Language.of(path: "/w/notes.txt", firstLine: "# notes") == nil)
    }

    /// A line is scanned again only when it or the state above it changed; opening a string
    /// above recolours what follows.
    @Test func cacheFollowsEdits() {
        var buffer = EditorBuffer(text: "x = 1\ny = 2\nz = 3\n")
        var cache = HighlightCache()
        cache.update(buffer.lines, language: .python, through: 2)
        #expect(cache.tokens(2).map(\.kind) == [.number])
        buffer.insert("\"\"\"")
        cache.update(buffer.lines, language: .python, through: 2)
        #expect(cache.tokens(0).map(\.kind) == [.string])
        #expect(cache.tokens(2).map(\.kind) == [.string], "the open string runs to the end")
        buffer.undo()
        cache.update(buffer.lines, language: .python, through: 2)
        #expect(cache.tokens(2).map(\.kind) == [.number])
        cache.update(buffer.lines, language: nil, through: 2)
        #expect(cache.tokens(0).isEmpty)
    }

    // MARK: On the screen, in every theme

    static let themes = ThemeStore(directories: [URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")])

    static let samples: [(path: String, text: String, keyword: String, string: String, comment: String?)] = [
        ("/workspace/app.py", "import sys\n\ndef main():  # entry\n    print('hi', 42)\n", "def", "'hi'", "# entry"),
        ("/app/main.mjs", "// entry\nexport function main() {\n  return \"hi\";\n}\n", "function", "\"hi\"", "// entry"),
        ("/workspace/run.sh", "#!/bin/sh\n# entry\nif true; then echo 'hi'; fi\n", "then", "'hi'", "# entry"),
        ("/workspace/data.json", "{\n  \"name\": \"hi\",\n  \"ok\": true\n}\n", "\"name\"", "\"hi\"", nil),
        ("/workspace/runtimes.toml", "# entry\n[demo]\nimage = 'hi'\n", "[demo]", "'hi'", "# entry"),
    ]

    /// Where `text` is on the screen (its first cell), searching the editor's rows.
    static func find(_ text: String, in canvas: Canvas) -> (x: Int, y: Int)? {
        for (y, row) in canvas.text.components(separatedBy: "\n").enumerated() {
            if let range = row.range(of: text) { return (row.distance(from: row.startIndex, to: range.lowerBound), y) }
        }
        return nil
    }

    @Test(arguments: ["dark", "light", "mono", "solarized"])
    func everyLanguageIsColouredInTheme(name: String) throws {
        let theme = try Self.themes.load(name)
        for sample in Self.samples {
            var state = UIState()
            state.editor = EditorBuffer(text: sample.text)
            state.editorPath = sample.path
            state.focus = .list  // no cursor line over the samples
            (state.width, state.height) = (100, 24)
            Reducer.settleEditor(&state)  // as every event does
            let canvas = Screen.render(state, width: 100, height: 24)
            let text = try #require(Self.find(sample.string, in: canvas), "\(sample.path):\n\(canvas.text)")
            var expected: [(String, Role)] = [(sample.keyword, sample.path.hasSuffix(".json") ? .key : .keyword), (sample.string, .string)]
            if let comment = sample.comment { expected.append((comment, .comment)) }
            for (word, role) in expected {
                let at = try #require(Self.find(word, in: canvas), "\(word) in \(sample.path)")
                for offset in 0..<word.count { #expect(canvas[at.x + offset, at.y].role == role, "\(word) in \(sample.path)") }
                // The theme gives the role a look of its own: a colour or an attribute plain text has not.
                #expect(theme.style(role) != theme.style(.text) || role == .string && name == "mono", "\(role) in \(name)")
            }
            #expect(canvas[text.x - 1, text.y].role == .text || canvas[text.x - 1, text.y].role == .key, "plain text around it")
        }
    }

    /// The cursor line keeps its background under coloured code (curses pairs the two).
    @Test func cursorLineShadesColouredCode() throws {
        var state = UIState()
        state.editor = EditorBuffer(text: "def main():\n    return 1\n")
        state.editorPath = "/workspace/app.py"
        state.focus = .editor
        (state.width, state.height) = (100, 24)
        Reducer.settleEditor(&state)  // as every event does
        let canvas = Screen.render(state, width: 100, height: 24)
        let def = try #require(Self.find("def", in: canvas))
        #expect(canvas[def.x, def.y].role == .keyword && canvas[def.x, def.y].background == .cursorLine)
        let dark = try Self.themes.load("dark")
        #expect(dark.style(.keyword, over: .cursorLine).bg == dark.style(.cursorLine).bg)
        #expect(dark.style(.keyword, over: .cursorLine).fg == dark.style(.keyword).fg)
        let ret = try #require(Self.find("return", in: canvas))
        #expect(canvas[ret.x, ret.y].role == .keyword && canvas[ret.x, ret.y].background == nil)
    }

    /// A theme written before the syntax roles still tells comments and keywords apart.
    @Test func oldThemesFallBack() throws {
        let theme = try Theme.parse("text = #d0d0d0\ndim = #808080\ntitle = #ffffff bold\n", name: "old", file: "old.theme")
        #expect(theme.style(.comment) == theme.style(.dim))
        #expect(theme.style(.keyword) == theme.style(.title))
        #expect(theme.style(.number) == theme.style(.text))
    }
}
