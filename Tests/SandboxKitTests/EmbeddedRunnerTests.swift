import Foundation
import Testing
@testable import SandboxKit

/// The runner SandboxKit's build embeds (Plugins/RunnerEmbed), and how it becomes a file a local
/// daemon can mount. (scripts/test/dependent.sh checks a dependent package really uses it.)
@Suite struct EmbeddedRunnerTests {
    @Test func theBuildEmbeddedAStaticRunner() throws {
        #expect(EmbeddedRunner.unavailable == nil, "this machine has a C compiler: \(EmbeddedRunner.unavailable ?? "")")
        let data = try #require(Data(base64Encoded: EmbeddedRunner.base64))
        #expect(data.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]), "an ELF executable")
        #expect(data.count > 10_000 && data.count < 16 << 20)
    }

    @Test func itIsWrittenOutOncePerVersion() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("runner-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let cache = base.appendingPathComponent("cache")
        let data = Data("#!/bin/sh\necho one\n".utf8)
        let path = try #require(RunnerBinary.writeOut(data, into: [cache]))
        #expect(FileManager.default.contents(atPath: path) == data && FileManager.default.isExecutableFile(atPath: path))
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        #expect(RunnerBinary.writeOut(data, into: [cache]) == path)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == modified, "not written again")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 1, "no partial file left")

        // Another version is another file; a damaged one is replaced.
        let other = try #require(RunnerBinary.writeOut(Data("#!/bin/sh\necho two\n".utf8), into: [cache]))
        #expect(other != path)
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: path))
        #expect(RunnerBinary.writeOut(data, into: [cache]) == path && FileManager.default.contents(atPath: path) == data)

        // A cache that cannot be made (a file where the directory goes): the next place.
        let blocked = base.appendingPathComponent("blocked")
        try Data().write(to: blocked)
        let fallback = base.appendingPathComponent("fallback")
        #expect(RunnerBinary.writeOut(data, into: [blocked.appendingPathComponent("sub"), fallback])?.hasPrefix(fallback.path) == true)
        #expect(RunnerBinary.writeOut(data, into: [blocked.appendingPathComponent("sub")]) == nil)
    }
}
