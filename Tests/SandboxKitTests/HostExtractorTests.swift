import DockerEngine
import Foundation
import NIOCore
import Testing
@testable import SandboxKit

/// The host extractor against crafted archives: names a sandbox can send that must not reach
/// outside the destination or replace what the host already has.
@Suite struct HostExtractorTests {
    /// An archive built entry by entry, names as raw bytes.
    struct Archive {
        var buffer = ByteBuffer()
        let mtime = Date(timeIntervalSince1970: 1_600_000_000)

        mutating func add(_ name: [UInt8], _ type: Character, data: [UInt8] = [], link: String = "", mode: UInt32 = 0o644) {
            buffer.writeBytes(Tar.header(name: name, typeFlag: type.asciiValue!, linkTarget: Array(link.utf8), mode: mode,
                                         size: data.count, mtime: mtime))
            buffer.writeBytes(data)
            buffer.writeRepeatingByte(0, count: Tar.padding(for: data.count))
        }
        mutating func add(_ name: String, _ type: Character, data: [UInt8] = [], link: String = "", mode: UInt32 = 0o644) {
            add(Array(name.utf8), type, data: data, link: link, mode: mode)
        }
        var finished: ByteBuffer { var out = buffer; out.writeBytes(Tar.endOfArchive); return out }
    }

    static let limits = HostExtractor.Limits(bytes: DockerSandbox.copyLimit, entries: DockerSandbox.copyEntryLimit)

    /// Extracts `archive` into `destination` in 777-byte chunks.
    @discardableResult
    func extract(_ archive: ByteBuffer, into destination: URL, limits: HostExtractor.Limits = limits) throws -> CopySummary {
        let extractor = HostExtractor(source: "/sandbox/p", destination: destination.path, limits: limits)
        var rest = archive
        while rest.readableBytes > 0 { try extractor.write(rest.readSlice(length: min(777, rest.readableBytes))!) }
        return try extractor.finish()
    }

    /// A destination and a victim directory that nothing may touch, both removed afterwards.
    func withDirectories(_ body: (_ destination: URL, _ victim: URL) throws -> Void) throws {
        let destination = try temporaryDirectory(), victim = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: destination); try? FileManager.default.removeItem(at: victim) }
        try body(destination, victim)
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.path).isEmpty, "something reached the victim")
    }

    func expectRefusal(_ archive: ByteBuffer, into destination: URL, saying words: String) {
        let refusal = #expect(throws: SandboxError.self) { try extract(archive, into: destination) }
        #expect(refusal?.description.contains(words) == true, "\(String(describing: refusal))")
    }

    @Test func copiesFilesDirectoriesAndLinksWithModesAndTimes() throws {
        try withDirectories { destination, _ in
            var archive = Archive()
            archive.add("p", "5", mode: 0o2775)
            archive.add("p/run", "0", data: Array("#!/bin/sh\n".utf8), mode: 0o4755)
            archive.add("p/sub/deep", "0", data: [1, 2, 3])  // parent left out of the archive
            archive.add("p/link", "2", link: "/etc/passwd")
            let summary = try extract(archive.finished, into: destination)
            #expect(summary.files == 2 && summary.directories == 1 && summary.links == 1 && summary.skipped == 0 && summary.bytes == 13)
            let p = destination.appendingPathComponent("p")
            let run = try FileManager.default.attributesOfItem(atPath: p.appendingPathComponent("run").path)
            #expect(run[.posixPermissions] as? Int == 0o755, "setuid must be dropped")
            #expect((run[.modificationDate] as? Date) == archive.mtime)
            let dir = try FileManager.default.attributesOfItem(atPath: p.path)
            #expect(dir[.posixPermissions] as? Int == 0o775, "setgid must be dropped")
            #expect((dir[.modificationDate] as? Date) == archive.mtime)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: p.appendingPathComponent("link").path) == "/etc/passwd")
            #expect(FileManager.default.contents(atPath: p.appendingPathComponent("sub/deep").path) == Data([1, 2, 3]))
        }
    }

    @Test func aSecondCopyDoesNotWriteThroughALinkTheFirstLeft() throws {
        try withDirectories { destination, victim in
            var first = Archive()
            first.add("p", "5")
            first.add("p/link", "2", link: victim.path)
            try extract(first.finished, into: destination)
            // The same copy again is fine: the link is already what the archive says.
            try extract(first.finished, into: destination)
            var second = Archive()
            second.add("p", "5")
            second.add("p/link", "5")
            second.add("p/link/f", "0", data: Array("pwned\n".utf8))
            expectRefusal(second.finished, into: destination, saying: "p/link: it is a symbolic link on the host; refusing to write through it")
            let link = destination.appendingPathComponent("p/link").path
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == victim.path)
        }
    }

    @Test func oneArchiveCannotAliasALinkAndADirectory() throws {
        try withDirectories { destination, victim in
            var archive = Archive()
            archive.add("p", "5")
            archive.add("p/x", "2", link: victim.path)
            archive.add("p/x", "5")
            archive.add("p/x/f", "0", data: [1])
            expectRefusal(archive.finished, into: destination, saying: "names this path twice, as a symbolic link and as a directory")
            var through = Archive()
            through.add("q", "5")
            through.add("q/x", "2", link: victim.path)
            through.add("q/x/f", "0", data: [1])
            expectRefusal(through.finished, into: destination, saying: "q/x: it is a symbolic link on the host")
        }
    }

    @Test func namesThatAreNotValidUTF8AreRefused() throws {
        try withDirectories { destination, victim in
            var archive = Archive()
            archive.add("p", "5")
            archive.add([0x70, 0x2F, 0x61, 0xFF], "2", link: victim.path)  // "p/a\xFF"
            archive.add([0x70, 0x2F, 0x61, 0xFE], "5")
            expectRefusal(archive.finished, into: destination, saying: "p/a\\xFF: the name is not valid UTF-8")
            var target = Archive()
            target.add("t", "5")
            target.add("t/l", "2", link: "\u{FFFD}")
            target.buffer.setBytes([0xFF, 0, 0], at: 512 + 157)
            let fixed = Self.reChecksum(target.buffer, block: 512)
            var finished = fixed; finished.writeBytes(Tar.endOfArchive)
            expectRefusal(finished, into: destination, saying: "target is empty or not valid UTF-8")
        }
    }

    /// The archive with the checksum of the header block at `block` recomputed.
    static func reChecksum(_ archive: ByteBuffer, block: Int) -> ByteBuffer {
        var out = archive
        out.setBytes([UInt8](repeating: 0x20, count: 8), at: block + 148)
        let sum = out.getBytes(at: block, length: 512)!.reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        out.setBytes([UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, 0x20], at: block + 148)
        return out
    }

    @Test func climbingAbsoluteAndOutsideNamesAreRefused() throws {
        try withDirectories { destination, victim in
            let cases: [(String, String)] = [
                ("p/../\(victim.lastPathComponent)-escape", "climbs out with '..'"),
                ("p/sub/../../../escape", "climbs out with '..'"),
                (victim.path + "/abs", "an absolute name"),
                ("q/outside", "lies outside p"),
                ("pp/outside", "lies outside p"),
                ("p//double", "empty or '.' components"),
            ]
            for (name, words) in cases {
                var archive = Archive()
                archive.add("p", "5")
                archive.add(name, "0", data: [1])
                expectRefusal(archive.finished, into: destination, saying: words)
            }
            var first = Archive()
            first.add("../up", "0", data: [1])
            expectRefusal(first.finished, into: destination, saying: "climbs out")
            var nested = Archive()
            nested.add("a/b", "0", data: [1])
            expectRefusal(nested.finished, into: destination, saying: "first entry is not a single name")
            let left = try FileManager.default.contentsOfDirectory(atPath: destination.path)
            #expect(left.filter { $0 != "p" }.isEmpty)
        }
    }

    @Test func hardLinksDevicesFifosAndSocketsAreSkippedAndCounted() throws {
        try withDirectories { destination, _ in
            var archive = Archive()
            archive.add("p", "5")
            archive.add("p/a", "0", data: [1])
            archive.add("p/hard", "1", link: "p/a")
            archive.add("p/null", "3")  // character device
            archive.add("p/disk", "4")  // block device
            archive.add("p/fifo", "6")
            let summary = try extract(archive.finished, into: destination)
            #expect(summary.files == 1 && summary.skipped == 4)
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination.appendingPathComponent("p").path) == ["a"])
        }
    }

    @Test func existingHostEntriesAreNeverReplaced() throws {
        try withDirectories { destination, victim in
            let p = destination.appendingPathComponent("p")
            try FileManager.default.createDirectory(at: p, withIntermediateDirectories: true)
            let secret = victim.appendingPathComponent("secret")
            try Data("secret".utf8).write(to: secret)
            defer { try? FileManager.default.removeItem(at: secret) }
            try Data("keep".utf8).write(to: p.appendingPathComponent("file"))
            try FileManager.default.createSymbolicLink(atPath: p.appendingPathComponent("points").path, withDestinationPath: secret.path)

            var link = Archive()
            link.add("p", "5")
            link.add("p/file", "2", link: "/elsewhere")
            expectRefusal(link.finished, into: destination, saying: "p/file: it already exists on the host; refusing to replace it")
            var throughLink = Archive()
            throughLink.add("p", "5")
            throughLink.add("p/points", "0", data: Array("pwned".utf8))
            expectRefusal(throughLink.finished, into: destination, saying: "p/points: it exists on the host and is not a regular file")
            var directory = Archive()
            directory.add("p", "5")
            directory.add("p/file", "5")
            expectRefusal(directory.finished, into: destination, saying: "p/file: it exists on the host and is not a directory")
            #expect(FileManager.default.contents(atPath: secret.path) == Data("secret".utf8))
            #expect(FileManager.default.contents(atPath: p.appendingPathComponent("file").path) == Data("keep".utf8))

            // A regular file is overwritten in place, like docker cp.
            var file = Archive()
            file.add("p", "5")
            file.add("p/file", "0", data: Array("new".utf8))
            try extract(file.finished, into: destination)
            #expect(FileManager.default.contents(atPath: p.appendingPathComponent("file").path) == Data("new".utf8))
            try FileManager.default.removeItem(at: secret)
        }
    }

    @Test func aCutArchiveRemovesTheFileItWasWriting() throws {
        try withDirectories { destination, _ in
            var archive = Archive()
            archive.add("p", "5")
            archive.add("p/big", "0", data: [UInt8](repeating: 7, count: 10_000))
            let cut = archive.buffer.getSlice(at: 0, length: 1024 + 512 + 3000)!
            let refusal = #expect(throws: TarError.self) { try extract(cut, into: destination) }
            #expect(refusal == .truncated(offset: 512))
            let left = try FileManager.default.contentsOfDirectory(atPath: destination.appendingPathComponent("p").path)
            #expect(left.isEmpty)
        }
    }

    @Test func theByteAndEntryCapsAreClear() throws {
        try withDirectories { destination, _ in
            // A 4 GiB file announced, and a few blocks of it sent: refused at its header.
            var archive = Archive()
            archive.add("p", "5")
            archive.buffer.writeBytes(Tar.header(path: "p/huge", kind: .file, mode: 0o644, size: 4 << 30, mtime: archive.mtime))
            archive.buffer.writeRepeatingByte(0, count: 64 * 1024)
            expectRefusal(archive.buffer, into: destination, saying: "/sandbox/p: larger than the 1024 MiB copy limit")
            #expect(!FileManager.default.fileExists(atPath: destination.appendingPathComponent("p/huge").path))

            var many = Archive()
            many.add("m", "5")
            for index in 0..<10 { many.add("m/\(index)", "0") }
            let refusal = #expect(throws: SandboxError.self) {
                try extract(many.finished, into: destination, limits: .init(bytes: 1 << 20, entries: 10))
            }
            #expect(refusal?.description == "/sandbox/p: the archive has more than 10 entries, the most a copy takes")
        }
    }

    /// 100,000 entries made as they are fed, never a whole archive in memory.
    @Test func aHundredThousandEntries() throws {
        try withDirectories { destination, _ in
            let extractor = HostExtractor(source: "/sandbox/p", destination: destination.path, limits: Self.limits)
            var archive = Archive()
            archive.add("p", "5")
            for directory in 0..<100 { archive.add("p/\(directory)", "5") }
            try extractor.write(archive.buffer)
            for index in 0..<(100_000 - 101) {
                var entry = Archive()
                entry.add("p/\(index % 100)/\(index)", "0", data: [UInt8(truncatingIfNeeded: index)])
                try extractor.write(entry.buffer)
            }
            try extractor.write(ByteBuffer(bytes: Tar.endOfArchive))
            let summary = try extractor.finish()
            #expect(summary.files + summary.directories == 100_000)
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination.appendingPathComponent("p/42").path).count == 999)
        }
    }
}
