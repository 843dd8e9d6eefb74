import DockerEngine
import Foundation
import SandboxKit
import Testing

/// A sandbox that tries to reach the host through `copyOut`, and a host tree with links and
/// fifos going in through `copyIn`, against the real daemon, on the host's kernel and on gVisor's.
@Suite(.serialized) struct HostileSandboxTests {
    /// Runs `command` in the sandbox and fails the test unless it exits 0.
    func run(_ sandbox: DockerSandbox, _ command: String) async throws {
        let result = try await sandbox.execute(command)
        #expect(result.exitCode == 0, "\(command): \(result.output)")
    }

    /// A destination and a victim directory that nothing may touch, both removed afterwards.
    func withDirectories(_ body: (_ destination: URL, _ victim: URL) async throws -> Void) async throws {
        let destination = try temporaryDirectory(), victim = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: destination); try? FileManager.default.removeItem(at: victim) }
        try await body(destination, victim)
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.path).isEmpty, "something reached the victim")
    }

    /// The reproduction: a link, copied out, then swapped for a directory and copied again.
    @Test(arguments: Kernel.allCases)
    func aSymlinkSwappedForADirectoryBetweenCopiesDoesNotReachTheHost(kernel: Kernel) async throws {
        try await withDirectories { destination, victim in
            try await withSandbox(kernel: kernel) { sandbox in
                try await run(sandbox, "mkdir -p /workspace/p && ln -s \(victim.path) /workspace/p/link")
                // Into an existing directory: both copies land in destination/p.
                let first = try await sandbox.copyOut("/workspace/p", toHost: destination.path)
                #expect(first.links == 1 && first.directories == 1)
                let link = destination.appendingPathComponent("p/link").path
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == victim.path)
                // As a new path (the issue's /tmp/out): the second copy goes inside it.
                let fresh = destination.appendingPathComponent("out")
                try await sandbox.copyOut("/workspace/p", toHost: fresh.path)

                try await run(sandbox, "rm /workspace/p/link && mkdir /workspace/p/link && echo pwned > /workspace/p/link/f")
                let refusal = await #expect(throws: SandboxError.self) {
                    try await sandbox.copyOut("/workspace/p", toHost: destination.path)
                }
                #expect(refusal?.description == "\(link): it is a symbolic link on the host; refusing to write through it")
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == victim.path)
                try await sandbox.copyOut("/workspace/p", toHost: fresh.path)
                #expect(FileManager.default.contents(atPath: fresh.appendingPathComponent("p/link/f").path) == Data("pwned\n".utf8))
            }
        }
    }

    /// Two names that differ only in an invalid byte would decode to the same string: a link
    /// and a directory under one name.
    @Test(arguments: Kernel.allCases)
    func namesThatAreNotValidUTF8AreRefused(kernel: Kernel) async throws {
        try await withDirectories { destination, victim in
            try await withSandbox(kernel: kernel) { sandbox in
                try await run(sandbox, """
                    mkdir -p /workspace/u && cd /workspace/u && ln -s \(victim.path) "$(printf 'a\\377')" \
                    && mkdir "$(printf 'a\\376')" && echo pwned > "$(printf 'a\\376')/f"
                    """)
                let refusal = await #expect(throws: SandboxError.self) {
                    try await sandbox.copyOut("/workspace/u", toHost: destination.path)
                }
                #expect(refusal?.description.contains("the name is not valid UTF-8; refusing to copy it") == true, "\(String(describing: refusal))")
                let left = try FileManager.default.contentsOfDirectory(atPath: destination.appendingPathComponent("u").path)
                #expect(left.isEmpty)
            }
        }
    }

    @Test(arguments: Kernel.allCases)
    func hardLinksAreSkippedAndCounted(kernel: Kernel) async throws {
        try await withDirectories { destination, _ in
            try await withSandbox(kernel: kernel) { sandbox in
                try await run(sandbox, "mkdir -p /workspace/h && echo x > /workspace/h/a && ln /workspace/h/a /workspace/h/b")
                let summary = try await sandbox.copyOut("/workspace/h", toHost: destination.path)
                #expect(summary.files == 1 && summary.skipped == 1, "\(summary)")
                let copied = try FileManager.default.contentsOfDirectory(atPath: destination.appendingPathComponent("h").path)
                #expect(copied == ["a"])
            }
        }
    }

    /// A 4 GiB sparse file costs the sandbox nothing; copying it out stops at the cap, leaves
    /// nothing behind and holds no more than a little of it in memory.
    @Test(arguments: Kernel.allCases)
    func aFourGiBSparseFileHitsTheCapInBoundedMemory(kernel: Kernel) async throws {
        try await withDirectories { destination, _ in
            try await withSandbox(kernel: kernel) { sandbox in
                try await run(sandbox, "truncate -s 4G /workspace/big && truncate -s 300M /workspace/mid")
                let baseline = try Self.resetPeakMemory()
                let refusal = await #expect(throws: SandboxError.self) {
                    try await sandbox.copyOut("/workspace/big", toHost: destination.path)
                }
                #expect(refusal?.description == "/workspace/big: larger than the 1024 MiB copy limit (big alone is 4294967296 bytes); nothing of it was written")
                #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).isEmpty)
                // A file under the cap streams through: 300 MiB copied, memory grows by far less.
                let summary = try await sandbox.copyOut("/workspace/mid", toHost: destination.path)
                #expect(summary.bytes == 300 << 20)
                let copied = try FileManager.default.attributesOfItem(atPath: destination.appendingPathComponent("mid").path)
                #expect(copied[.size] as? Int == 300 << 20)
                let growth = try Self.peakMemory() - baseline
                #expect(growth < 100 << 20, "peak memory grew by \(growth >> 20) MiB")
            }
        }
    }

    /// Resets the process's peak resident size (VmHWM) to its current size and returns that.
    static func resetPeakMemory() throws -> Int {
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return try peakMemory()
    }

    /// VmHWM from /proc/self/status, in bytes.
    static func peakMemory() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw SandboxError.commandFailed("no VmHWM in /proc/self/status") }
        return kib * 1024
    }

    /// Going in: links inside the tree stay links (never followed to the victim), a fifo is
    /// skipped without being opened, and `-L` copies what a linked source points to.
    @Test(arguments: Kernel.allCases)
    func copyInKeepsLinksAndSkipsFifos(kernel: Kernel) async throws {
        try await withDirectories { host, victim in
            let tree = host.appendingPathComponent("tree")
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            try Data("one\n".utf8).write(to: tree.appendingPathComponent("a"))
            try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("out").path, withDestinationPath: victim.path)
            #expect(mkfifo(tree.appendingPathComponent("fifo").path, 0o644) == 0)
            let linked = host.appendingPathComponent("linked")
            try FileManager.default.createSymbolicLink(atPath: linked.path, withDestinationPath: tree.appendingPathComponent("a").path)
            try await withSandbox(kernel: kernel) { sandbox in
                let summary = try await sandbox.copyIn(hostPath: tree.path, to: "/workspace/")
                #expect(summary.files == 1 && summary.links == 1 && summary.directories == 1 && summary.skipped == 1, "\(summary)")
                let listing = try await sandbox.execute("cd /workspace/tree && ls -A && readlink out && cat a")
                #expect(listing.output == "a\nout\n\(victim.path)\none\n")
                try await sandbox.copyIn(hostPath: linked.path, to: "/workspace/asLink")
                try await sandbox.copyIn(hostPath: linked.path, to: "/workspace/followed", followLink: true)
                let kinds = try await sandbox.execute("test -L /workspace/asLink && test -f /workspace/followed && ! test -L /workspace/followed && cat /workspace/followed")
                #expect(kinds.exitCode == 0 && kinds.output == "one\n", "\(kinds.output)")
            }
        }
    }
}
