import DockerEngine
import Foundation
import SandboxKit
import Testing

/// The seed's examples, against the real daemon, on the host's kernel and on gVisor's.
@Suite(.timeLimit(.minutes(3))) struct SeedExampleTests {
    @Test(arguments: Kernel.allCases)
    func fibonacci(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { sandbox in
            try await sandbox.write("/workspace/app.py", fibonacciSource)
            let result = try await sandbox.execute("python /workspace/app.py")
            #expect(result.output == "0 1 1 2 3 5 8 13 21 34 ")
            #expect(result.exitCode == 0)
            #expect(!result.truncated)
        }
    }

    @Test(arguments: Kernel.allCases)
    func failingCommandReportsExitCodeAndOutput(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { sandbox in
            let result = try await sandbox.execute("python nonexistent.py", timeout: .seconds(10))
            #expect(result.exitCode == 2)
            #expect(result.output.contains("nonexistent.py"))
            #expect(try await sandbox.execute("exit 7").exitCode == 7)
        }
    }

    @Test(arguments: Kernel.allCases)
    func outputIsTruncatedAtTheLimit(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { sandbox in
            let result = try await sandbox.execute("python -c 'print(\"x\" * 200000, end=\"\")'")
            #expect(result.truncated)
            #expect(result.output.count == 100_000)
            #expect(result.exitCode == 0)
            let small = try await sandbox.execute("python -c 'print(\"é\" * 99999, end=\"\")'")
            #expect(!small.truncated && small.output.unicodeScalars.count == 99_999)
        }
    }

    /// `sleep 301` outlasts the suite's time limit: returning at all, with 124 and without
    /// "never", means the timeout ended the command.
    @Test(arguments: TestImages.both, Kernel.allCases)
    func timeoutKillsTheProcessTreeAndKeepsOutput(image: String, kernel: Kernel) async throws {
        try await withSandbox(image: image, kernel: kernel) { sandbox in
            try await sandbox.start()
            let result = try await sandbox.execute("echo before; sleep 300 & sleep 301; echo never", timeout: .seconds(2))
            #expect(result.exitCode == 124)
            #expect(result.timedOut)
            #expect(result.output == "before\n")
            let ps = try await sandbox.execute("ps -o pid,args 2>/dev/null || ps")
            #expect(!ps.output.contains("sleep 30"), "left behind:\n\(ps.output)")
        }
    }

    @Test(arguments: Kernel.allCases)
    func lifecycle(kernel: Kernel) async throws {
        try await kernel.require()
        let sandbox = DockerSandbox(image: TestImages.python, labels: ["sandbox.test": "true"], network: kernel.network(.on),
                                    security: kernel.security)
        #expect(await sandbox.isAlive() == false)
        #expect(try await inspect(sandbox) == nil, "nothing starts before first use")
        try await sandbox.write("notes.txt", "hi")
        #expect(await sandbox.isAlive())
        #expect(try await inspect(sandbox)?.state.running == true)
        try await sandbox.start()  // no-op when running
        try await sandbox.stop()  // how fast: `make bench` (stop), against pydantic-ai-backend's
        #expect(await sandbox.isAlive() == false)
        #expect(try await inspect(sandbox) == nil, "the container is removed")
        // A later operation starts a fresh container; the old file is gone with the old one.
        #expect(try await sandbox.execute("cat notes.txt").exitCode != 0)
        #expect(await sandbox.isAlive())
        try await sandbox.stop()
    }

    @Test(arguments: Kernel.allCases)
    func volumesPersistAfterStop(kernel: Kernel) async throws {
        let host = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: host) }
        try await withSandbox(volumes: [host.path: "/workspace/data"], kernel: kernel) { sandbox in
            try await sandbox.write("/workspace/data/result.txt", "kept\n")
            let made = try await sandbox.execute("echo from-shell > /workspace/data/shell.txt")
            #expect(made.exitCode == 0)
        }
        #expect(try String(contentsOf: host.appendingPathComponent("result.txt"), encoding: .utf8) == "kept\n")
        #expect(try String(contentsOf: host.appendingPathComponent("shell.txt"), encoding: .utf8) == "from-shell\n")
    }

    @Test(arguments: Kernel.allCases)
    func tenConcurrentExecutesOnOneSandbox(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { sandbox in
            let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<10 {
                    group.addTask { (i, try await sandbox.execute("sleep 0.2; echo \(i)").output) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(outputs.count == 10)
            for i in 0..<10 { #expect(outputs[i] == "\(i)\n") }
        }
    }

    @Test(arguments: Kernel.allCases)
    func fiveSandboxesAtOnce(kernel: Kernel) async throws {
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<5 {
                group.addTask {
                    try await withSandbox(kernel: kernel) { sandbox in
                        try await sandbox.write("n.txt", "\(i)")
                        return try await sandbox.execute("cat n.txt; hostname").output
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map { $0.prefix(1) }) == ["0", "1", "2", "3", "4"])
        #expect(Set(results).count == 5, "five distinct containers")
    }
}
