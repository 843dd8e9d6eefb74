import DockerEngine
import Foundation
import NIOCore
@testable import SandboxKit
import Testing

/// Issue 10's file reproductions: writes over directories, modes and symlinks, CRLF, and
/// bounded ls/glob/grep.
@Suite(.timeLimit(.minutes(5))) struct TrustFileTests {
    @Test(arguments: TestImages.both)
    func writingOverADirectoryIsAnErrorAndRemovesNothing(image: String) async throws {
        let host = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: host) }
        try FileManager.default.createDirectory(at: host.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: host.appendingPathComponent("a.txt"))
        try Data("keep\n".utf8).write(to: host.appendingPathComponent("sub/b.txt"))
        try await withSandbox(image: image, volumes: [host.path: "/workspace/data"]) { sandbox in
            await #expect(throws: SandboxError.isDirectory("/workspace/data")) { try await sandbox.write("/workspace/data", "x") }
            await #expect(throws: SandboxError.isDirectory("/workspace")) { try await sandbox.write(".", "x") }
            _ = try await sandbox.execute("ln -s /workspace/data /workspace/link")
            await #expect(throws: SandboxError.isDirectory("/workspace/data")) { try await sandbox.write("link", "x") }
            await #expect(throws: SandboxError.isDirectory("/workspace/data")) { try await sandbox.edit("link", "a", "b") }
            _ = try await sandbox.execute("mkfifo /tmp/fifo")
            await #expect(throws: SandboxError.notRegularFile("/tmp/fifo")) { try await sandbox.write("/tmp/fifo", "x") }
            // The stat can lose a race; the upload itself must still refuse to replace the directory.
            let upload = Tar.archive([TarEntry(path: "workspace/data", kind: .file, mode: 0o644, data: ByteBuffer(string: "x"))])
            await #expect(throws: DockerError.self) {
                try await DockerClient.shared().putArchive(sandbox.name, directory: "/", tar: .bytes(upload))
            }
        }
        #expect(try String(contentsOf: host.appendingPathComponent("a.txt"), encoding: .utf8) == "keep\n")
        #expect(try String(contentsOf: host.appendingPathComponent("sub/b.txt"), encoding: .utf8) == "keep\n")
    }

    @Test(arguments: TestImages.both)
    func writeKeepsTheModeAndEditGoesThroughSymlinks(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            try await sandbox.write("run.sh", "echo one\n")
            #expect(try await sandbox.execute("stat -c %a run.sh").output == "644\n", "a new file is 0644")
            _ = try await sandbox.execute("chmod 750 run.sh && ln -s run.sh link.sh")
            try await sandbox.write("run.sh", "echo two\n")
            #expect(try await sandbox.execute("stat -c %a run.sh").output == "750\n", "write keeps the mode")
            #expect(try await sandbox.edit("link.sh", "two", "three") == 1)
            let after = try await sandbox.execute("test -L link.sh && readlink link.sh && stat -c %a run.sh && cat run.sh")
            #expect(after.output == "run.sh\n750\necho three\n")
            try await sandbox.write("link.sh", "echo four\n")
            #expect(try await sandbox.execute("test -L link.sh && cat run.sh").output == "echo four\n", "write follows the link")
        }
    }

    @Test func crlfFilesAreReadAndEditedByLines() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("crlf.txt", "one\r\ntwo\r\nthree\r\n")
            #expect(try await sandbox.read("crlf.txt", limit: 1) == "     1\tone\n\n[... 2 more lines. Use offset=1 to read more.]")
            #expect(try await sandbox.read("crlf.txt", offset: 2) == "     3\tthree")
            #expect(try await sandbox.edit("crlf.txt", "two\r\nthr", "2\r\nthr") == 1)
            #expect(try await sandbox.edit("crlf.txt", "\r\n", "\n", replaceAll: true) == 3)
            #expect(try await sandbox.readData("crlf.txt") == Data("one\n2\nthree\n".utf8))
            await #expect(throws: SandboxError.stringNotFound("/workspace/crlf.txt")) { try await sandbox.edit("crlf.txt", "\r", "") }
        }
    }

    @Test func readTakesAnyOffsetAndLimit() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("three.txt", "a\nb\nc")
            #expect(try await sandbox.read("three.txt", offset: 1, limit: .max) == "     2\tb\n     3\tc")
            let past = await #expect(throws: SandboxError.self) { try await sandbox.read("three.txt", offset: .max, limit: .max) }
            #expect(past?.description == "offset \(Int.max) is past the end of /workspace/three.txt (3 lines)")
            await #expect(throws: SandboxError.invalidArgument("offset must be 0 or more, got -1")) { try await sandbox.read("three.txt", offset: -1) }
            await #expect(throws: SandboxError.invalidArgument("limit must be 1 or more, got \(Int.min)")) {
                try await sandbox.read("three.txt", limit: .min)
            }
        }
    }

    @Test(arguments: TestImages.both)
    func lsListsAHugeDirectoryCappedSortedAndCounted(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            let made = try await sandbox.execute("mkdir -p /tmp/huge/zdir && cd /tmp/huge && seq 1 200000 | xargs touch && ls | wc -l")
            #expect(made.output.trimmingCharacters(in: .whitespacesAndNewlines) == "200001")
            let listing = try await sandbox.ls("/tmp/huge")
            #expect(listing.total == 200_001)
            #expect(listing.entries.count == DockerSandbox.listingLimit)
            #expect(listing.truncated)
            #expect(listing.entries.first?.name == "zdir" && listing.entries.first?.kind == .directory)
            #expect(Array(listing.entries.dropFirst().prefix(3).map(\.name)) == ["1", "10", "100"])
            #expect(listing.entries.first?.path == "/tmp/huge/zdir")
        }
    }

    @Test(arguments: TestImages.both)
    func oddNamesDoNotBreakListings(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            let script = #"mkdir -p odd/"d$(printf '\ne')" && cd odd && touch "a$(printf '\nb')" c "$(printf 'new\n.')" "$(printf '\377x')" "r$(printf '\r')" && printf hi > "$(printf 'n\nx.txt')""#
            #expect(try await sandbox.execute(script).exitCode == 0)
            let listing = try await sandbox.ls("odd")
            #expect(listing.entries.map(\.name) == ["d\ne", "a\nb", "c", "n\nx.txt", "new\n.", "r\r", "\u{FFFD}x"])
            #expect(listing.entries.map(\.kind) == [.directory, .file, .file, .file, .file, .file, .file])
            #expect(listing.entries[3].size == 2)
            #expect(listing.total == 7 && !listing.truncated)
            #expect(try await sandbox.glob("*.txt", path: "odd").paths == ["/workspace/odd/n\nx.txt"])
            // grep prints `path:line:text` (BusyBox has no -Z): a newline in a path cannot be told from
            // a line break there, so only the text is certain; it must still parse.
            #expect(try await sandbox.grep("hi", path: "odd").matches.map(\.text) == ["hi"])
        }
    }

    @Test(arguments: TestImages.both)
    func globAndGrepReportTruncation(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            let made = try await sandbox.execute("mkdir many && cd many && seq 1 1500 | while read n; do echo hit > f$n.txt; done")
            #expect(made.exitCode == 0)
            let globbed = try await sandbox.glob("*.txt", path: "many")
            #expect(globbed.paths.count == DockerSandbox.listingLimit && globbed.truncated)
            #expect(globbed.paths == globbed.paths.sorted())
            let grepped = try await sandbox.grep("hit", path: "many")
            #expect(grepped.matches.count == DockerSandbox.listingLimit && grepped.truncated)
            let few = try await sandbox.glob("f1?.txt", path: "many")
            #expect(few.paths.count == 10 && !few.truncated)
            let deep = try await sandbox.glob(String(repeating: "**/", count: 12) + "*.no-such-suffix", path: "/")
            #expect(deep == GlobResult(paths: [], truncated: false))
        }
    }

    @Test(arguments: TestImages.both)
    func searchesStopAtTheirTimeout(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            for search in [{ _ = try await sandbox.ls("/", timeout: .milliseconds(1)) },
                           { _ = try await sandbox.glob("*", path: "/", timeout: .milliseconds(1)) },
                           { _ = try await sandbox.grep("x", path: "/", timeout: .milliseconds(1)) }] as [() async throws -> Void] {
                let error = await #expect(throws: SandboxError.self) { try await search() }
                #expect(error?.description.contains("did not finish within") == true, "\(String(describing: error))")
            }
        }
    }

    @Test func globMatchingIsLinearOnPathologicalPatterns() throws {
        let pattern = try GlobPattern(Array(repeating: "**/a", count: 12).joined(separator: "/") + "/b")
        let path = Array(repeating: "a", count: 60).joined(separator: "/")
        var steps = 0
        #expect(pattern.matches(path, steps: &steps) == false)
        #expect(steps <= (pattern.segments.count + 1) * 61, "one step a table cell, got \(steps)")
        steps = 0
        #expect(pattern.matches(path + "/b", steps: &steps))
        #expect(steps <= (pattern.segments.count + 1) * 62)
        #expect(try GlobPattern("**/**/**/x.py").segments == ["**", "x.py"])
        #expect(try GlobPattern("src/**/*.swift").matches("src/a/b/c.swift"))
        #expect(try GlobPattern("src/**/*.swift").matches("src/c.swift"))
        #expect(try !GlobPattern("src/*.swift").matches("src/a/c.swift"))
    }

    @Test func byteSearchFindsEveryNonOverlappingOccurrence() {
        #expect(DockerSandbox.ranges(of: Array("aa".utf8), in: Array("aaaaa".utf8)) == [0..<2, 2..<4])
        #expect(DockerSandbox.ranges(of: Array("abab".utf8), in: Array("abababab".utf8)) == [0..<4, 4..<8])
        #expect(DockerSandbox.ranges(of: Array("aab".utf8), in: Array("aaab".utf8)) == [1..<4])
        #expect(DockerSandbox.ranges(of: Array("x".utf8), in: []).isEmpty)
        #expect(DockerSandbox.ranges(of: [0x0D, 0x0A], in: Array("a\r\nb\n\r\n".utf8)) == [1..<3, 5..<7])
    }

    @Test func shellQuoteKeepsEveryWordWhole() async throws {
        let words = ["plain", "", "it's", "$(touch /tmp/pwned)", "a b", "\n", "'", "ünï"]
        #expect(ShellQuote.join(["plain", "a b"]) == "plain 'a b'")
        try await withSandbox(image: TestImages.busybox) { sandbox in
            let echoed = try await sandbox.execute("printf '%s|' " + ShellQuote.join(words))
            #expect(echoed.output == words.map { $0 + "|" }.joined())
            #expect(try await sandbox.execute("test -e /tmp/pwned").exitCode == 1)
        }
    }
}
