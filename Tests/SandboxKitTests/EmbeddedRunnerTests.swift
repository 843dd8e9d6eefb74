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
        let path = try #require(BuiltInRunner.writeOut(data, into: [cache]))
        #expect(FileManager.default.contents(atPath: path) == data && FileManager.default.isExecutableFile(atPath: path))
        #expect(BuiltInRunner.isPrivate(cache.path, directory: true), "made 0700")
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        #expect(BuiltInRunner.writeOut(data, into: [cache]) == path)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == inode, "not written again")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 1, "no partial file left")

        // Another version is another file; a damaged one is replaced.
        let other = try #require(BuiltInRunner.writeOut(Data("#!/bin/sh\necho two\n".utf8), into: [cache]))
        #expect(other != path)
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: path))
        #expect(BuiltInRunner.writeOut(data, into: [cache]) == path && FileManager.default.contents(atPath: path) == data)

        // A copy someone else could change (group- or world-writable) is not trusted: replaced.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path)
        #expect(BuiltInRunner.writeOut(data, into: [cache]) == path && BuiltInRunner.isPrivate(path, directory: false))
    }

    /// A directory others can write, or a link, is not one to keep a container's PID 1 in: the next place is.
    @Test func onlyAPrivateDirectoryHoldsIt() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("runner-dirs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let shared = base.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: shared.path)
        let linked = base.appendingPathComponent("linked")
        let target = base.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: target)
        let blocked = base.appendingPathComponent("blocked")
        try Data().write(to: blocked)
        let fallback = base.appendingPathComponent("fallback")
        let data = Data("#!/bin/sh\n".utf8)
        let path = BuiltInRunner.writeOut(data, into: [shared, linked, blocked.appendingPathComponent("sub"), fallback])
        #expect(path?.hasPrefix(fallback.path + "/") == true, "\(path ?? "nil")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared.path).isEmpty && FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
        #expect(BuiltInRunner.writeOut(data, into: [shared, linked]) == nil)
    }
}
