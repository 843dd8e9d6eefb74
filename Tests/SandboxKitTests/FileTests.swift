import DockerEngine
import Foundation
import SandboxKit
import Testing

@Suite(.timeLimit(.minutes(3))) struct FileTests {
    @Test(arguments: TestImages.both)
    func writeCreatesParentsAndReadsBack(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            try await sandbox.write("deep/er/still/file.txt", "one\ntwo\n")
            #expect(try await sandbox.read("/workspace/deep/er/still/file.txt") == "     1\tone\n     2\ttwo")
            let stat = try await sandbox.execute("stat -c '%a %s' deep/er/still/file.txt")
            #expect(stat.output == "644 8\n")
            let unicode = "/workspace/spaced dir/ünïcödé 世界.txt"
            try await sandbox.write(unicode, "✓")
            #expect(String(decoding: try await sandbox.readData(unicode), as: UTF8.self) == "✓")
        }
    }

    @Test func binaryAndLargeFilesRoundTrip() async throws {
        try await withSandbox { sandbox in
            var bytes = Data(count: 10 * 1024 * 1024)
            bytes.withUnsafeMutableBytes { raw in
                for i in stride(from: 0, to: raw.count, by: 7) { raw[i] = UInt8(truncatingIfNeeded: i &* 31) }
            }
            try await sandbox.write("/tmp/big.bin", bytes)
            #expect(try await sandbox.readData("/tmp/big.bin") == bytes)
            let size = try await sandbox.execute("wc -c < /tmp/big.bin")
            #expect(size.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(bytes.count)")
            await #expect(throws: SandboxError.binaryFile("/tmp/big.bin")) { try await sandbox.read("/tmp/big.bin") }
            try await sandbox.write("/tmp/empty", Data())
            #expect(try await sandbox.readData("/tmp/empty").isEmpty)
            let longName = "/workspace/" + String(repeating: "n", count: 200) + "/" + String(repeating: "m", count: 120)
            try await sandbox.write(longName, "deep")
            #expect(try await sandbox.execute("cat '\(longName)'").output == "deep")
        }
    }

    @Test func readPagesWithAFooter() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("lines.txt", (1...25).map { "line \($0)" }.joined(separator: "\n") + "\n")
            let first = try await sandbox.read("lines.txt", limit: 10)
            #expect(first.hasPrefix("     1\tline 1\n"))
            #expect(first.hasSuffix("    10\tline 10\n\n[... 15 more lines. Use offset=10 to read more.]"))
            let last = try await sandbox.read("lines.txt", offset: 20, limit: 10)
            #expect(last == (21...25).map { String(repeating: " ", count: 4) + "\($0)\tline \($0)" }.joined(separator: "\n"))
        }
    }

    @Test func readErrorsNameThePath() async throws {
        try await withSandbox { sandbox in
            await #expect(throws: SandboxError.fileNotFound("/workspace/missing.txt")) { try await sandbox.read("missing.txt") }
            await #expect(throws: SandboxError.isDirectory("/workspace")) { try await sandbox.read("/workspace") }
            await #expect(throws: SandboxError.notRegularFile("/dev/zero")) { try await sandbox.read("/dev/zero") }
            _ = try await sandbox.execute("mkfifo /tmp/fifo")
            await #expect(throws: SandboxError.notRegularFile("/tmp/fifo")) { try await sandbox.readData("/tmp/fifo") }
            try await sandbox.write("target.txt", "via link")
            _ = try await sandbox.execute("ln -s target.txt link.txt")
            #expect(try await sandbox.read("link.txt") == "     1\tvia link")
            let error = await #expect(throws: SandboxError.self) { try await sandbox.write("target.txt/child", "x") }
            #expect(error?.description.contains("target.txt") == true)
        }
    }

    @Test func editFollowsThePythonRules() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("app.py", "x = 1\ny = 1\nprint(x)\n")
            _ = try await sandbox.execute("chmod 755 app.py")
            await #expect(throws: SandboxError.stringNotFound("/workspace/app.py")) { try await sandbox.edit("app.py", "z = 3", "z = 4") }
            let ambiguous = await #expect(throws: SandboxError.self) { try await sandbox.edit("app.py", "= 1", "= 2") }
            #expect(ambiguous?.description == "String found 2 times. Use replaceAll to replace all, or provide more context.")
            #expect(try await sandbox.edit("app.py", "x = 1", "x = 10") == 1)
            #expect(try await sandbox.edit("app.py", "= 1\n", "= 5\n", replaceAll: true) == 1)
            #expect(try await sandbox.edit("app.py", "print", "print", replaceAll: true) == 1)
            #expect(String(decoding: try await sandbox.readData("app.py"), as: UTF8.self) == "x = 10\ny = 5\nprint(x)\n")
            #expect(try await sandbox.execute("stat -c %a app.py").output == "755\n", "edit keeps the mode")
        }
    }

    @Test(arguments: TestImages.both)
    func lsGlobGrep(image: String) async throws {
        try await withSandbox(image: image) { sandbox in
            try await sandbox.write("src/main.py", "import os\nprint('hello')\n")
            try await sandbox.write("src/lib/util.py", "def helper():\n    return 'hello: world'\n")
            try await sandbox.write("README.md", "hello docs\n")
            try await sandbox.write(".hidden", "h")
            let listing = try await sandbox.ls(".").entries
            #expect(listing.map(\.name) == ["src", ".hidden", "README.md"])
            #expect(listing[0].kind == .directory)
            #expect(listing[2].size == 11)
            #expect(abs(listing[2].modified.timeIntervalSinceNow) < 300)
            #expect(try await sandbox.glob("*.py").paths == ["/workspace/src/lib/util.py", "/workspace/src/main.py"])
            #expect(try await sandbox.glob("src/*.py").paths == ["/workspace/src/main.py"])
            #expect(try await sandbox.glob("**/util.py").paths == ["/workspace/src/lib/util.py"])
            let matches = try await sandbox.grep("hello", glob: "*.py").matches
            #expect(matches == [GrepMatch(path: "/workspace/src/lib/util.py", line: 2, text: "    return 'hello: world'"),
                                GrepMatch(path: "/workspace/src/main.py", line: 2, text: "print('hello')")])
            #expect(try await sandbox.grep("hello", path: "/workspace").matches.count == 3)
            #expect(try await sandbox.grep("nothing-matches-this") == GrepResult(matches: [], truncated: false))
            await #expect(throws: SandboxError.fileNotFound("/nope")) { try await sandbox.ls("/nope") }
            await #expect(throws: SandboxError.notDirectory("/workspace/README.md")) { try await sandbox.ls("README.md") }
            await #expect(throws: SandboxError.self) { try await sandbox.grep("(unclosed") }
        }
    }

    @Test func shellMetacharactersAreNeverInterpreted() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("a.txt", "$(touch /tmp/pwned)\n")
            _ = try await sandbox.grep("'; touch /tmp/pwned; echo '")
            _ = try await sandbox.grep("$(touch /tmp/pwned)", glob: "*$(touch /tmp/pwned)*")
            _ = try await sandbox.glob("$(touch /tmp/pwned)")
            _ = try? await sandbox.ls("$(touch /tmp/pwned)")
            #expect(try await sandbox.execute("test -e /tmp/pwned").exitCode == 1)
        }
    }

    @Test func globSkipsProcAndIsBounded() async throws {
        try await withSandbox { sandbox in
            let everything = try await sandbox.glob("*", path: "/").paths
            #expect(everything.count <= DockerSandbox.listingLimit)
            #expect(!everything.contains { $0.hasPrefix("/proc/") })
        }
    }
}
