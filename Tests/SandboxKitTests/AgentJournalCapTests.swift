import Foundation
@testable import SandboxKit
import Testing

/// The journal keeps what a person needs to follow an agent, not whole file bodies.
@Suite struct AgentJournalCapTests {
    @Test func largeArgumentsAndResultsAreCutWithTheirSize() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = AgentJournal(sandbox: "capped", directory: directory)
        let body = String(repeating: "é", count: 6_172_839)  // 12,345,678 bytes: a cut must not split a character
        try journal.append(JournalEntry(client: "c", tool: "write_file", arguments: ["path": "big.txt", "content": body],
                                        result: "ok", isError: false, milliseconds: 1))
        try journal.append(JournalEntry(client: "c", tool: "execute", arguments: ["command": "yes"],
                                        result: String(repeating: "y\n", count: 5000), isError: false, milliseconds: 1))
        let entries = journal.read().entries
        #expect(entries.count == 2)
        let content = try #require(entries.first?.arguments["content"])
        #expect(content.hasSuffix("… <12,345,678 bytes>"))
        #expect(content.utf8.count <= AgentJournal.valueLimit + 40 && content.hasPrefix("éé"))
        #expect(entries.first?.arguments["path"] == "big.txt")
        #expect(entries.last?.result.hasSuffix("… <10,000 bytes>") == true)
        let size = try FileManager.default.attributesOfItem(atPath: journal.url.path)[.size] as? Int ?? .max
        #expect(size < 3 * AgentJournal.valueLimit)
    }
}
