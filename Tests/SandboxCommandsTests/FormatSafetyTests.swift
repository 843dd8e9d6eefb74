import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// Names and lines that come from inside a sandbox reach a terminal only made safe: no escape
/// sequence (a title change, a cleared screen, a link) and no bidi override is printed as it is.
@Suite struct FormatSafetyTests {
    static let hostile = "/workspace/\u{1B}]0;pwned\u{07}\u{1B}[2J\u{202E}txt.exe\nsecond"

    static func isSafe(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" }
    }

    @Test func changesListsAndDiffsAreSafe() {
        let changes = SandboxChanges(entries: [.init(path: Self.hostile, kind: .added), .init(path: "/workspace/ok.txt", kind: .changed)])
        let listed = Format.changes(changes)
        #expect(Self.isSafe(listed), "\(listed.debugDescription)")
        #expect(listed.contains("ok.txt") && !listed.contains("\nsecond"), "a name's newline does not start a line of its own")
        let line = SessionEvent.commandChanged(changes, sandbox: "box").lineText?.text ?? ""
        #expect(Self.isSafe(line) && line.contains("1 added, 1 changed"), "\(line.debugDescription)")
        #expect(Self.isSafe(Format.diff("+\(Self.hostile)\n")))
    }

    @Test func grepMatchesAreSafe() {
        let result = GrepResult(matches: [GrepMatch(path: Self.hostile, line: 3, text: "x = '\u{1B}[31mred'")], truncated: false)
        let listed = Format.grep(result)
        #expect(Self.isSafe(listed), "\(listed.debugDescription)")
        #expect(listed.split(separator: "\n").count == 1, "one match, one line")
    }
}
