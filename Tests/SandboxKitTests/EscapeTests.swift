import DockerEngine
import Foundation
import SandboxKit
import Testing

/// A timeout or a cancel kills everything a command started, whatever it does to its
/// environment, process group or session; the runner (runner/sandbox-runner.c) adopts orphans.
/// (`make test` runs the engine's tests a second time with `SANDBOX_RUNNER=off`, the path of a
/// sandbox the runner cannot run in: these are about the runner, and run in the first pass only.)
@Suite(.timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct EscapeTests {
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

    /// The escapes whose sleep is orphaned (its parent exits first), and that sleep.
    static let orphaned = [escapes[3]: "sleep 100004", escapes[4]: "sleep 100006", escapes[5]: "sleep 100008"]

    @Test(arguments: TestImages.both, escapes)
    func aTimeoutKillsEveryEscape(image: String, escape: String) async throws {
        try await withSandbox(image: image) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let result = try await sandbox.execute(escape, timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            #expect(try await Self.survivors(sandbox, "sleep 10000").isEmpty)
        }
    }

    /// Under gVisor the sandbox's kernel is gVisor's: Debian's runsc (2022-12) has no subreapers,
    /// so what is orphaned goes to the container's init and outlives the timeout, as the runner's
    /// greeting (and `sandbox doctor`) says; what stays in the command's tree is killed. On a
    /// runsc with subreapers every escape is killed.
    @Test(arguments: escapes)
    func aTimeoutUnderGVisorKillsWhatItsKernelLetsTheRunnerSee(escape: String) async throws {
        try await withSandbox(kernel: .gVisor) { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute(escape, timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            let summary = try await sandbox.executionSummary()
            #expect(summary == "runner" || summary == "runner: no-subreaper (gVisor)", "\(summary)")
            let survivors = try await Self.survivors(sandbox, "sleep 10000")
            if summary.contains("no-subreaper"), let orphan = Self.orphaned[escape] {
                #expect(survivors.count == 1 && survivors.first?.contains(orphan) == true, "\(survivors)")
            } else {
                #expect(survivors.isEmpty)
            }
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
            // Listed again while it is between fork and exec (its cmdline reads empty during an
            // exec, which a loaded machine can catch); it must end up there exactly once.
            var survivors = try await Self.survivors(sandbox, "sleep 100010")
            for _ in 0..<20 where survivors.count != 1 {
                try await Task.sleep(for: .milliseconds(100))
                survivors = try await Self.survivors(sandbox, "sleep 100010")
            }
            #expect(survivors.count == 1, "as with docker exec, a server started with & keeps running: \(survivors)")
        }
    }

    @Test func exitCodesAndSignalsPassThroughTheRunner() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("exit 7").exitCode == 7)
            #expect(try await sandbox.execute("kill -TERM $$").exitCode == 143)
            #expect(try await sandbox.execute("no-such-command-xyz").exitCode == 127)
        }
    }

    /// A shell line that sends `signal` to the sandbox's resident runner.
    static func signalRunner(_ signal: String) -> String {
        "for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^/.sandbox/sandbox-runner serve'; then kill -\(signal) ${p#/proc/}; fi; done"
    }

    /// A command that kills its session is still answered (a new session finds it by its token,
    /// runner/init.c); a sandbox that keeps doing it gets plain exec after the fourth time.
    @Test func aSandboxThatKillsItsSessionsGetsItsAnswersThenExec() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner)
            for round in 1...3 {
                let result = try await sandbox.execute(Self.signalRunner("KILL") + "; sleep 0.3; echo after \(round)")
                #expect(result.output.contains("after \(round)\n"), "round \(round): \(result)")
            }
            // The fourth: the runner is given up, and the command that killed it has no answer.
            await #expect(throws: SandboxError.self) { try await sandbox.execute(Self.signalRunner("KILL") + "; sleep 0.3") }
            #expect(try await sandbox.execute("echo after").output == "after\n", "by exec")
            guard case .exec(let reason) = try await sandbox.executionPath() else {
                Issue.record("still on the runner path after four kills")
                return
            }
            #expect(reason.contains("ended the runner"), "\(reason)")
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

    @Test func aRunnerStoppedByTheCommandCannotHoldTheCallerPastItsDeadlines() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            // The runner never answers again (and the command never ends); the call still returns
            // (the suite's time limit fails this test if it does not), and the next command gets
            // a new runner.
            let result = try await sandbox.execute(Self.signalRunner("STOP") + "; sleep 100031", timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            #expect(try await Self.survivors(sandbox, "sleep 100031").isEmpty)
            #expect(try await sandbox.execute("echo next").output == "next\n")
            #expect(try await sandbox.executionPath() == .runner)
        }
    }
}

enum RunnerMode {
    static let on = ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"
}

/// The second pass's own check: with the runner off, commands and files go by the Docker API.
@Suite(.enabled(if: !RunnerMode.on)) struct ExecPathTests {
    @Test func theRunnerTurnedOffIsSaidAndEverythingStillWorks() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            guard case .exec(let reason) = try await sandbox.executionPath() else {
                Issue.record("the runner is used although SANDBOX_RUNNER=off")
                return
            }
            #expect(reason.contains("SANDBOX_RUNNER=off"), "\(reason)")
            try await sandbox.write("a/b.txt", "one\n")
            let result = try await sandbox.execute("cat a/b.txt; exit 3")
            #expect(result.output == "one\n" && result.exitCode == 3, "\(result)")
        }
    }
}
