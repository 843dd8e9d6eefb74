import Foundation
import Testing

/// The `sandbox` binary, run as a user would, against the real daemon.
@Suite(.timeLimit(.minutes(3))) struct CLITests {
    static let python = ProcessInfo.processInfo.environment["SANDBOX_TEST_PYTHON_IMAGE"] ?? "sandbox-test/python:3.11"

    @Test func unknownCommandSuggestsAndExits2() throws {
        let result = try run(["exce"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'exce' (did you mean 'exec'?)"))
    }

    @Test func newExecCatCpStopRmPrune() throws {
        let name = "cli-test-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        let created = try run(["new", "--image", Self.python, "--name", name, "--env", "GREETING=hi there"])
        #expect(created.status == 0 && created.stdout == "\(name)\n", "\(created)")

        let exec = try run(["exec", name, "--", "sh", "-c", "echo \"$GREETING\"; echo oops >&2; exit 5"])
        #expect(exec.status == 5)
        #expect(exec.stdout == "hi there\n")
        #expect(exec.stderr == "oops\n")
        #expect(try run(["exec", name, "--timeout", "1", "--", "sleep 30"]).status == 124)

        let host = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: host.appendingPathComponent("tree/sub"), withIntermediateDirectories: true)
        try Data("one\n".utf8).write(to: host.appendingPathComponent("tree/a.txt"))
        try Data("two\n".utf8).write(to: host.appendingPathComponent("tree/sub/b.txt"))
        defer { try? FileManager.default.removeItem(at: host) }
        #expect(try run(["cp", host.appendingPathComponent("tree").path, "\(name):/workspace/"]).status == 0)
        #expect(try run(["cat", "\(name):/workspace/tree/sub/b.txt"]).stdout == "two\n")
        let back = host.appendingPathComponent("back")
        #expect(try run(["cp", "\(name):/workspace/tree", back.path]).status == 0)
        #expect(try String(contentsOf: back.appendingPathComponent("sub/b.txt"), encoding: .utf8) == "two\n")

        let ps = try run(["ps", "--json"])
        #expect(ps.stdout.contains("\"name\" : \"\(name)\""))
        let missing = try run(["cat", "no-such-sandbox-xyz:/etc/hostname"])
        #expect(missing.status != 0 && missing.stderr.contains("no sandbox named 'no-such-sandbox-xyz'"))

        #expect(try run(["stop", name]).status == 0)
        let pruned = try run(["prune"])
        #expect(pruned.stdout.contains("removed \(name)"))
    }

    @Test func pruneLeavesOtherContainersAlone() throws {
        let other = "not-a-sandbox-\(UUID().uuidString.prefix(6).lowercased())"
        let docker = try run(["/usr/bin/docker", "create", "--name", other, Self.python, "true"], binary: false)
        #expect(docker.status == 0, "\(docker)")
        defer { _ = try? run(["/usr/bin/docker", "rm", "-f", other], binary: false) }
        _ = try run(["prune"])
        #expect(try run(["/usr/bin/docker", "inspect", other], binary: false).status == 0)
    }

    @Test func replRunsAScriptFromStdin() throws {
        let script = """
        new \(Self.python)
        write app.py <<EOF
        a, b = 0, 1
        for _ in range(10):
            print(a, end=" ")
            a, b = b, a + b
        EOF
        run app.py
        !echo to-stderr >&2
        exce nothing
        cat app.py
        """
        let result = try run(["repl"], stdin: script)
        #expect(result.status == 0)
        #expect(result.stdout.contains("0 1 1 2 3 5 8 13 21 34 "))
        #expect(result.stderr.contains("to-stderr"))
        #expect(result.stderr.contains("unknown command 'exce' (did you mean 'exec'?)"))
        #expect(result.stdout.contains("    a, b = b, a + b"))
    }

    @Test func replWithAPoolHandsOutAWarmSandboxAndCleansUp() throws {
        // The first `new` may beat the pool's first start; by the second, one is waiting.
        let result = try run(["repl", "--pool", "1"], stdin: "new\n!sleep 2\nnew\n!echo warm-ok\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("ready from the pool"), "\(result)")
        #expect(result.stdout.contains("warm-ok"))
        let left = try run(["/usr/bin/docker", "ps", "-aq", "--filter", "name=\(SandboxPoolPrefix)"], binary: false)
        #expect(left.stdout.isEmpty, "waiting sandboxes are removed on exit: \(left.stdout)")
    }

    @Test func replStopsOnErrorWithTheCommandsExitCode() throws {
        let result = try run(["repl", "--stop-on-error"], stdin: "new \(Self.python)\n!exit 7\n!echo unreachable\n")
        #expect(result.status == 7)
        #expect(!result.stdout.contains("unreachable"))
    }

    @Test func doctorReportsTheDaemon() throws {
        let result = try run(["doctor"])
        #expect(result.stdout.contains("reachable"))
        #expect(result.stdout.contains("runner:  /") && result.stdout.contains("commands run under it"), "\(result)")
        let missing = try run(["doctor"], environment: ["SANDBOX_RUNNER": "/nonexistent/sandbox-runner"])
        #expect(missing.stdout.contains("runner:  missing") && missing.stdout.contains("plain docker exec"), "\(missing)")
        let down = try run(["doctor"], environment: ["DOCKER_HOST": "unix:///tmp/nothing-here.sock"])
        #expect(down.status == 1)
        #expect(down.stdout.contains("Docker daemon not reachable at unix:///tmp/nothing-here.sock (is dockerd running?)"))
        let ps = try run(["ps"], environment: ["DOCKER_HOST": "unix:///tmp/nothing-here.sock"])
        #expect(ps.status == 1 && ps.stderr.contains("Docker daemon not reachable") && !ps.stderr.contains("NIO"))
    }
}

/// SandboxPool.namePrefix (the CLI tests drive the binary and do not link SandboxKit).
let SandboxPoolPrefix = "sandbox-pool-"

struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// The directory holding the test bundle also holds the built `sandbox`.
let sandboxBinary: URL = {
    var url = Bundle.main.bundleURL
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("sandbox").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("sandbox")
}()

func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], binary: Bool = true) throws -> RunResult {
    let process = Process()
    process.executableURL = binary ? sandboxBinary : URL(fileURLWithPath: arguments[0])
    process.arguments = binary ? arguments : Array(arguments.dropFirst())
    var env = ProcessInfo.processInfo.environment
    env["SANDBOX_DEFAULT_IMAGE"] = CLITests.python
    env["XDG_STATE_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-cli-state").path
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}
