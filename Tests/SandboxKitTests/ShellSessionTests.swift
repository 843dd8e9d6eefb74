import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Interactive shells on a terminal of their own (TTY execs), against the real daemon.
@Suite(.timeLimit(.minutes(2))) struct ShellSessionTests {
    @Test func theTerminalHasTheSizeGivenAndFollowsAResize() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let shell = try await sandbox.openShell(rows: 31, columns: 97)
            var screen = TerminalReader(shell)
            shell.write(Array("stty size; echo done-$((6*7))\r".utf8))
            #expect(try await screen.read(until: "done-42").contains("31 97"))
            try await shell.resize(rows: 12, columns: 140)
            shell.write(Array("stty size; echo again-$((6*7))\r".utf8))
            #expect(try await screen.read(until: "again-42").contains("12 140"))
            shell.write(Array("exit 3\r".utf8))
            #expect(try await shell.exitCode() == 3)
        }
    }

    /// The default is the image's bash, else sh; TERM is what was asked for.
    @Test(arguments: [(TestImages.python, "bash"), (TestImages.busybox, "sh")])
    func theDefaultShellIsBashWhereThereIsOne(image: String, expected: String) async throws {
        try await withSandbox(image: image) { (sandbox: DockerSandbox) async throws in
            let shell = try await sandbox.openShell(rows: 24, columns: 80, term: "vt100")
            var screen = TerminalReader(shell)
            shell.write(Array("echo \"shell=$(basename \"$(readlink /proc/$$/exe)\") term=$TERM\"; exit\r".utf8))
            let text = try await screen.readToEnd()
            #expect(text.contains("term=vt100"), "\(text)")
            #expect(text.contains("shell=\(expected)") || (expected == "sh" && text.contains("shell=busybox")), "\(text)")
            #expect(try await shell.exitCode() == 0)
        }
    }

    /// A command given instead of the shell; its exit code is the session's.
    @Test func aCommandRunsOnTheTerminalAndItsExitCodeIsReturned() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let shell = try await sandbox.openShell("test -t 0 && test -t 1 && echo on-a-tty; exit 5", rows: 24, columns: 80)
            var screen = TerminalReader(shell)
            #expect(try await screen.readToEnd().contains("on-a-tty"))
            #expect(try await shell.exitCode() == 5)
        }
    }

    /// Closing the session ends the process in the container (closing the connection alone would not).
    @Test func closingEndsTheProcess() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let shell = try await sandbox.openShell("sleep 312", rows: 24, columns: 80)
            let count = "for p in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $p; echo; done 2>/dev/null | grep -c '^sleep 312' || true"
            #expect(try await sandbox.execute(count).output == "1\n")
            await shell.close()
            #expect(try await sandbox.execute(count).output == "0\n")
        }
    }
}

/// Reads a shell's terminal output as text; a wait that the output ends before fails with what came.
struct TerminalReader {
    var iterator: AsyncStream<[UInt8]>.Iterator
    var text = ""

    init(_ shell: ShellSession) { iterator = shell.output.makeAsyncIterator() }

    struct Ended: Error, CustomStringConvertible {
        let text: String
        var description: String { "the terminal closed before the expected output; it showed: \(text.debugDescription)" }
    }

    /// Everything read so far once `needle` has appeared (past what was typed: the echo of the
    /// line is not the answer, since the answer's text is computed by the shell).
    mutating func read(until needle: String) async throws -> String {
        while !text.contains(needle) {
            guard let chunk = await iterator.next() else { throw Ended(text: text) }
            text += String(decoding: chunk, as: UTF8.self)
        }
        defer { text = "" }
        return text
    }

    mutating func readToEnd() async throws -> String {
        while let chunk = await iterator.next() { text += String(decoding: chunk, as: UTF8.self) }
        return text
    }
}
