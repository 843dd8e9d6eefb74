import Foundation
import Testing

/// `sandbox exec`'s timeout and Ctrl-C end the command in the sandbox, however it hides.
@Suite(.timeLimit(.minutes(3))) struct ExecTrustTests {
    /// The processes of sandbox `name` whose command line holds `marker`.
    static func survivors(_ name: String, _ marker: String) throws -> [String] {
        let listing = try run(["exec", name, "--", "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done"])
        return listing.stdout.split(separator: "\n").map(String.init).filter { $0.contains(marker) && !$0.contains("/proc/") }
    }

    @Test func aTimeoutKillsACommandThatClearsItsEnvironment() throws {
        let name = "exec-trust-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        let result = try run(["exec", name, "--timeout", "1", "--", "sh", "-c", "exec env -u SANDBOX_EXEC_TOKEN sleep 100000"])
        #expect(result.status == 124, "\(result)")
        #expect(try Self.survivors(name, "sleep 100000").isEmpty)
    }

    @Test func ctrlCReturns130OnlyOnceTheCommandIsGone() throws {
        let name = "exec-trust-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        let process = Process()
        process.executableURL = sandboxBinary
        process.arguments = ["exec", name, "--", "setsid sleep 100001 & (sleep 100002 &); echo started; wait"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("started") {
            let chunk = out.fileHandleForReading.availableData
            try #require(!chunk.isEmpty, "exec ended before printing 'started'")
            seen += chunk
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try Self.survivors(name, "sleep 10000").isEmpty, "Ctrl-C left the command running")
    }
}
