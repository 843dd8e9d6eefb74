import Foundation
import NIOCore
import Testing
@testable import DockerEngine

@Suite struct TarTests {
    let mtime = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func roundTripOfFilesDirectoriesAndLinks() throws {
        let longName = "deep/" + String(repeating: "a", count: 90) + "/" + String(repeating: "b", count: 60) + ".txt"
        let random = ByteBuffer(bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) })
        let entries = [
            TarEntry(path: "dir", kind: .directory, mode: 0o755, mtime: mtime),
            TarEntry(path: "dir/empty", mode: 0o600, mtime: mtime),
            TarEntry(path: longName, mtime: mtime, data: ByteBuffer(string: "long name")),
            TarEntry(path: "dir/random.bin", mode: 0o644, mtime: mtime, data: random),
            TarEntry(path: "link", kind: .symlink(target: "dir/" + String(repeating: "t", count: 120)), mode: 0o777, mtime: mtime),
            TarEntry(path: "unicode/héllo 世界.txt", mtime: mtime, data: ByteBuffer(string: "✓")),
        ]
        let archive = Tar.archive(entries)
        #expect(archive.readableBytes % 512 == 0)
        let back = try Tar.read(archive)
        #expect(back == entries)
    }

    @Test func exactBlockSizesNeedNoPadding() throws {
        for size in [0, 1, 511, 512, 513, 1024] {
            let entry = TarEntry(path: "f", mtime: mtime, data: ByteBuffer(repeating: 7, count: size))
            let back = try Tar.read(Tar.archive([entry]))
            #expect(back == [entry], "size \(size)")
        }
    }

    @Test func readsWhatGNUTarWrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)")
        let long = String(repeating: "n", count: 150)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: dir.appendingPathComponent("sub/\(long)"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-C", dir.path, "-cf", "-", "sub"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let entries = try Tar.read(ByteBuffer(bytes: data))
        #expect(entries.map(\.path) == ["sub", "sub/\(long)"])
        #expect(entries[0].kind == .directory)
        #expect(String(buffer: entries[1].data) == "hello\n")
    }

    @Test func corruptHeadersAreErrors() {
        var archive = Tar.archive([TarEntry(path: "x", data: ByteBuffer(string: "data"))])
        archive.setInteger(UInt8(ascii: "Z"), at: 0)
        #expect(throws: TarError.badChecksum(offset: 0)) { try Tar.read(archive) }
        let truncated = Tar.archive([TarEntry(path: "x", data: ByteBuffer(repeating: 1, count: 2000))]).getSlice(at: 0, length: 1024)!
        #expect(throws: TarError.truncated(offset: 0)) { try Tar.read(truncated) }
    }
}
