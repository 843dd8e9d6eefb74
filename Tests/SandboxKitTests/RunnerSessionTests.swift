import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Many requests on one runner session, and sessions of separate clients on one sandbox.
@Suite(.timeLimit(.minutes(3))) struct RunnerSessionTests {
    @Test func fiftyCommandsAtOnceEachGetTheirOwnOutput() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let results = try await withThrowingTaskGroup(of: (Int, ExecuteResult).self) { group in
                for i in 0..<50 { group.addTask { (i, try await sandbox.execute("sleep 0.2; echo $((\(i) * 3))")) } }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for i in 0..<50 { #expect(results[i]?.output == "\(i * 3)\n" && results[i]?.exitCode == 0, "command \(i): \(String(describing: results[i]))") }
        }
    }

    /// Two clients (each sandbox object has its own session, as each process does) on one container:
    /// the creator's is attached to the container's own command, the other's a `serve` exec.
    @Test func twoClientsOnOneSandboxDoNotSeeEachOthersOutput() async throws {
        try await withSandbox { (first: DockerSandbox) async throws in
            try await first.start()
            let second = try await SandboxEngine().sandbox(named: first.name)
            async let a = first.execute("for i in 1 2 3 4 5; do echo first$i; sleep 0.05; done")
            async let b = second.execute("for i in 1 2 3 4 5; do echo second$i; sleep 0.05; done")
            let (outA, outB) = try await (a.output, b.output)
            #expect(outA == (1...5).map { "first\($0)\n" }.joined())
            #expect(outB == (1...5).map { "second\($0)\n" }.joined())
            if RunnerMode.on { #expect(try await RunnerAttachTests.runningExecs(first).count == 1, "the second's serve exec only") }
        }
    }

    @Test func outputPastTheCapIsCountedInsideTheSandboxAndTheRestIsIntact() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            // Multi-byte characters straddling the cap: the cut is at a character, never inside one.
            let result = try await sandbox.execute("yes 'é€ab' | head -c 104857600; echo tail >&2; exit 4")
            #expect(result.truncated && result.exitCode == 4)
            #expect(result.output.unicodeScalars.count == DockerSandbox.outputLimit)
            #expect(!result.output.contains("\u{FFFD}"))
            #expect(result.output.hasPrefix("é€ab\né€ab\n"))
            // The runner keeps the session: the next command is answered as usual.
            #expect(try await sandbox.execute("echo next").output == "next\n")
        }
    }

    @Test func aStreamGetsEverythingInOrderWithNoCap() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            var received = ""
            var exit: ExecExit?
            for try await event in sandbox.executeStream("seq 1 200000") {
                switch event {
                case .stdout(let text): received += text
                case .stderr: break
                case .exit(let finished): exit = finished
                }
            }
            #expect(exit?.exitCode == 0)
            #expect(received == (1...200_000).map { "\($0)\n" }.joined(), "a stream is not capped")
        }
    }
}
