import DockerEngine
import Foundation
import SandboxKit
import Testing

/// A timeout or a cancel kills everything a command started, whatever it does to its
/// environment, process group or session; the runner (runner/sandbox-runner.c) adopts orphans.
@Suite(.timeLimit(.minutes(3))) struct EscapeTests {
    /// Each way out of a process tree we know of, all in one command.
    static let escapes = [
        "exec env -u SANDBOX_EXEC_TOKEN sleep 100001",
        "env -i sleep 100002 & wait",
        "setsid sleep 100003 & wait",
        "(sleep 100004 &) ; sleep 100005",
        "sh -c 'sleep 100006 & exit 0'; sleep 100007",
        "setsid sh -c 'env -i setsid sleep 100008 &'; sleep 100009",
    ]

    /// The command lines of the container's processes whose line holds `marker`.
    static func survivors(_ sandbox: DockerSandbox, _ marker: String) async throws -> [String] {
        let listing = try await sandbox.execute(
            "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done")
        return listing.output.split(separator: "\n").map(String.init).filter { $0.contains(marker) && !$0.contains("/proc/") }
    }

    @Test(arguments: TestImages.both, escapes)
    func aTimeoutKillsEveryEscape(image: String, escape: String) async throws {
        try await withSandbox(image: image) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let result = try await sandbox.execute(escape, timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            #expect(try await Self.survivors(sandbox, "sleep 10000").isEmpty)
        }
    }

    @Test(arguments: TestImages.both)
    func aCancelKillsEveryEscapeAndWaitsForIt(image: String) async throws {
        try await withSandbox(image: image) { (sandbox: DockerSandbox) async throws in
            let line = Self.escapes.joined(separator: " & ") + " & echo started; wait"
            let started = AsyncStream<Void>.makeStream()
            let task = Task {
                try await sandbox.execute(line) { event in
                    if case .stdout(let text) = event, text.contains("started") { started.continuation.yield() }
                }
            }
            for await _ in started.stream { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            // The kill finished before the call returned: nothing is left to wait for.
            #expect(try await Self.survivors(sandbox, "sleep 10000").isEmpty)
        }
    }

    @Test func backgroundProcessesOfACommandThatFinishedLiveOn() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("nohup sleep 100010 >/dev/null 2>&1 & echo done", timeout: .seconds(5))
            #expect(result.output == "done\n" && result.exitCode == 0)
            #expect(try await Self.survivors(sandbox, "sleep 100010").count == 1, "as with docker exec, a server started with & keeps running")
        }
    }

    @Test func exitCodesAndSignalsPassThroughTheRunner() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("exit 7").exitCode == 7)
            #expect(try await sandbox.execute("kill -TERM $$").exitCode == 143)
            #expect(try await sandbox.execute("no-such-command-xyz").exitCode == 127)
        }
    }

    @Test func aRunnerTheRuntimeRefusesFallsBackToExecWithoutLosingTheCommand() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner)
            // Something in the sandbox made the runner unexecutable: the runtime refuses it (no process).
            _ = try await sandbox.execute("chmod 644 /.sandbox/sandbox-runner")
            let result = try await sandbox.execute("echo once >> /tmp/count; cat /tmp/count")
            #expect(result.output == "once\n", "the command ran exactly once and the runtime's error did not leak: \(result.output)")
            guard case .exec(let reason) = try await sandbox.executionPath() else {
                Issue.record("still on the runner path")
                return
            }
            #expect(reason.contains("could not start"), "\(reason)")
            // Timeouts still work on the fallback path.
            #expect(try await sandbox.execute("sleep 30", timeout: .milliseconds(500)).exitCode == 124)
        }
    }

    @Test func aCommandThatPrintsTheRuntimesErrorRunsOnceAndKeepsTheRunner() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("echo 'OCI runtime exec failed: fake'; echo run >> /tmp/count; exit 1")
            #expect(result.exitCode == 1 && result.output.hasPrefix("OCI runtime exec failed: fake"))
            #expect(try await sandbox.execute("cat /tmp/count").output == "run\n", "ran once")
            #expect(try await sandbox.executionPath() == .runner)
        }
    }

    @Test func aProcessWhoseMainThreadExitedIsStillKilled() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            // exit(2) of the main thread alone leaves the process a zombie to /proc with its other
            // thread (and what that thread starts) alive.
            let script = "import threading, time, ctypes, os; "
                + "threading.Thread(target=lambda: (os.system('sleep 100021 &'), time.sleep(10**6))).start(); "
                + "time.sleep(0.3); ctypes.CDLL(None).syscall(60, 0)"
            let result = try await sandbox.execute("exec python3 -c \"\(script)\"", timeout: .seconds(2))
            #expect(result.exitCode == 124, "\(result)")
            #expect(try await Self.survivors(sandbox, "sleep 100021").isEmpty)
            #expect(try await Self.survivors(sandbox, "python3").isEmpty)
        }
    }

    @Test func aRunnerReplacedByOneThatNeverEndsCannotHoldTheCallerPastItsDeadlines() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            _ = try await sandbox.execute("printf '#!/bin/sh\\nexec sleep 999999\\n' > /tmp/r && chmod 755 /tmp/r && mv /tmp/r /.sandbox/sandbox-runner")
            // Neither the command nor the runner's kill ever end; the call still returns (the
            // suite's time limit fails this test if it does not).
            let result = try await sandbox.execute("echo never", timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut)
        }
    }
}
