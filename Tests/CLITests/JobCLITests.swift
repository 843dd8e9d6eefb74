import Foundation
import Testing

/// `sandbox exec --detach`, `sandbox logs` and `sandbox port` against the real daemon.
@Suite(.timeLimit(.minutes(3)), .enabled(if: ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"))
struct JobCLITests {
    /// Runs `body` with a new sandbox named for the test, removed afterwards.
    static func withSandbox(_ body: (String) throws -> Void) throws {
        let name = "job-cli-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        try #require(try run(["new", "--image", CLITests.python, "--name", name]).status == 0)
        try body(name)
    }

    @Test func execDetachReturnsAtOnceAndLogsShowTheOutput() throws {
        try Self.withSandbox { name in
            let started = try run(["exec", "--detach", name, "--", "echo one; echo two >&2; sleep 0.3; echo three"])
            #expect(started.status == 0 && started.stdout == "1\n", "\(started)")
            // -f follows the job to its end.
            let followed = try run(["logs", "-f", name, "1"])
            #expect(followed.status == 0 && followed.stdout == "one\ntwo\nthree\n", "\(followed)")
            #expect(try run(["logs", name, "1"]).stdout == "one\ntwo\nthree\n")
            #expect(try run(["exec", "--detach", name, "--", "sh", "-c", "echo second job"]).stdout == "2\n")
            #expect(try run(["logs", "-f", name]).stdout == "second job\n", "the newest job")
            let all = try run(["logs", name])
            #expect(all.stdout == "==> job 1 (exited 0): echo one; echo two >&2; sleep 0.3; echo three <==\none\ntwo\nthree\n"
                    + "\n==> job 2 (exited 0): sh -c 'echo second job' <==\nsecond job\n", "\(all)")
            let missing = try run(["logs", name, "9"])
            #expect(missing.status != 0 && missing.stderr.contains("no job 9 in \(name)"), "\(missing)")
            #expect(try run(["exec", "--detach", "--timeout", "1", name, "--", "true"]).status != 0)
        }
    }

    @Test func portForwardsUntilCtrlCAndFreesThePort() throws {
        try Self.withSandbox { name in
            let server = "mkdir -p /srv && echo hello > /srv/a.txt && cd /srv && exec python3 -m http.server 8000"
            #expect(try run(["exec", "--detach", name, "--", server]).status == 0)
            let probe = "import socket; socket.create_connection(('127.0.0.1', 8000))"
            let ready = try run(["exec", name, "--", "for i in $(seq 200); do python3 -c \"\(probe)\" 2>/dev/null && exit 0; sleep 0.05; done; exit 1"])
            try #require(ready.status == 0, "the server did not start")

            let process = Process()
            process.executableURL = sandboxBinary
            process.arguments = ["port", name, "8000", "--local", "127.0.0.1:0"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var seen = ""
            while !seen.contains("; Ctrl-C stops\n") {
                let chunk = out.fileHandleForReading.availableData
                try #require(!chunk.isEmpty, "port ended before printing its address: \(seen)")
                seen += String(decoding: chunk, as: UTF8.self)
            }
            let address = try #require(seen.split(separator: " ").dropFirst().first.map(String.init), "\(seen)")
            #expect(seen == "forwarding \(address) to port 8000 in \(name); Ctrl-C stops\n")
            let listing = try run(["/usr/bin/curl", "-sS", "http://\(address)/"], binary: false)
            #expect(listing.status == 0 && listing.stdout.contains("a.txt"), "\(listing)")
            #expect(try run(["/usr/bin/curl", "-sS", "http://\(address)/a.txt"], binary: false).stdout == "hello\n")
            process.interrupt()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let after = try run(["/usr/bin/curl", "-sS", "http://\(address)/"], binary: false)
            #expect(after.status == 7, "nothing listens there any more: \(after)")

            let bad = try run(["port", name, "8000", "--local", "host:port"])
            #expect(bad.status != 0 && bad.stderr.contains("--local takes PORT or ADDR:PORT"), "\(bad)")
        }
    }
}
