import Testing
@testable import SandboxTUI

/// The output pane's log stays bounded whatever a command or a background job prints.
@Suite struct OutputLogTests {
    static func bytes(_ log: OutputLog) -> Int { log.lines.reduce(0) { $0 + $1.reduce(0) { $0 + $1.text.utf8.count } } }

    /// A job printing without newlines: its text is continued on new lines of at most
    /// ``OutputLog/lineBytes``, and the log keeps at most `byteLimit` bytes.
    @Test func aFloodWithoutNewlinesIsCutIntoBoundedLines() {
        var log = OutputLog(limit: 10_000, byteLimit: 64 * 1024)
        let chunk = String(repeating: "x", count: 1000)
        for _ in 0..<1000 { log.append(chunk, role: .stdout) }  // 1 MB, no newline
        #expect(log.lines.allSatisfy { $0.reduce(0) { $0 + $1.text.utf8.count } <= OutputLog.lineBytes })
        #expect(Self.bytes(log) <= 64 * 1024 && Self.bytes(log) > 64 * 1024 - OutputLog.lineBytes, "the newest 64 KiB are kept")
        #expect(log.lines.count <= 64 * 1024 / OutputLog.lineBytes + 1)
        #expect(log.dropped > 0 && log.visible(height: 100).first?.first?.text.contains("earlier lines dropped") == true)
        log.append("y\nnext", role: .stdout)
        #expect(log.lines.last?.first?.text == "next", "a newline still starts a line")
    }

    /// A single grapheme cluster of any length (a letter and a flood of combining marks) is cut
    /// between scalars; multi-byte scalars are never split.
    @Test func longClustersAndWideScalarsAreCutBetweenScalars() {
        var log = OutputLog()
        log.append("e" + String(repeating: "\u{301}", count: 5000), role: .stdout)
        log.append(String(repeating: "世", count: 3000), role: .stdout)
        let texts = log.lines.map { $0.map(\.text).joined() }
        #expect(texts.count > 2)
        #expect(texts.allSatisfy { $0.utf8.count <= OutputLog.lineBytes })
        #expect(texts.joined() == "e" + String(repeating: "\u{301}", count: 5000) + String(repeating: "世", count: 3000))
    }

    @Test func lineEndsAndNotesMakeLines() {
        var log = OutputLog()
        log.append("a\r\nb\r\n", role: .stdout)
        log.note("usage\n  summary", role: .info)
        #expect(log.lines.map { $0.map(\.text).joined() } == ["a", "b", "usage", "  summary"])
    }
}
