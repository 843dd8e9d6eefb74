import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// The runner out of its commands' reach (runner/init.c): whatever a command does as root to
/// the runner's processes (kills them, stops them, ptraces them, reads their memory), it cannot
/// take its sandbox down or outlive its timeout. Each attack has a control where one makes
/// sense: the same against a process of the command's own succeeds.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct RunnerReachTests {
    /// The command of the report: it killed every runner process it could see, the container
    /// with them (exit 137), and its `sandbox exec` returned 1. Here from a second client (a
    /// session by `docker exec`, as `sandbox exec` in a process of its own has), with a job
    /// running that prints as it goes.
    static let reported = "for p in $(pidof sandbox-runner); do kill -9 $p; done; setsid sleep 100901 & sleep 100902"

    /// Under gVisor (Debian's runsc, 2022-12) its kernel lets SIGKILL and SIGSTOP from inside
    /// reach PID 1: root there can still end the container by killing the init (exit 137), so
    /// the attack spares PID 1 and checks the rest (sessions, supervisors, jobs) holds there.
    @Test(arguments: Kernel.allCases)
    func theReportedCommandTimesOutAndTheSandboxLivesOnWithItsJob(kernel: Kernel) async throws {
        let attack = kernel == .gVisor ? Self.reported.replacingOccurrences(of: "do kill -9 $p", with: "do [ $p = 1 ] || kill -9 $p") : Self.reported
        try await withSandbox(kernel: kernel) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let job = try await sandbox.startJob("while :; do echo tick; sleep 0.1; done")
            let other = try await SandboxEngine().sandbox(named: sandbox.name)
            let result = try await other.execute(attack, timeout: .seconds(3))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            #expect(result.duration < .seconds(8), "\(result.duration)")
            #expect(await sandbox.isAlive(), "the container runs on")
            #expect(try await EscapeTests.survivors(sandbox, "sleep 10090").isEmpty)
            #expect(try await other.execute("echo next").output == "next\n")
            #expect(try await sandbox.execute("echo next").output == "next\n", "the creator's session too")
            // The job runs on, and what it prints after the attack is kept.
            #expect(try await sandbox.jobs().first { $0.id == job }?.state == .running)
            let before = try await sandbox.jobLog(job).count
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await sandbox.jobLog(job).count > before, "the job's output is still kept")
            try await sandbox.killJob(job)
            #expect(try await sandbox.jobs().first { $0.id == job }?.state == .exited(130))
        }
    }

    /// `pid` of the container's init (`/proc/1/stat`'s state) and its command line.
    static func initState(_ sandbox: DockerSandbox) async throws -> String {
        try await sandbox.execute("cut -d' ' -f3 /proc/1/stat; tr '\\0' ' ' < /proc/1/cmdline").output
    }

    /// Signals from inside to PID 1 are dropped by the kernel (it has no handler for any), so
    /// neither root's SIGKILL or SIGSTOP nor a kill of every process reaches it. Control: the
    /// same signals end or stop a process of the command's own.
    @Test(arguments: ["kill -9 1", "kill -STOP 1", "kill -TERM 1; kill -INT 1; kill -HUP 1; kill -USR1 1", "kill -9 -1"])
    func signalsFromInsideDoNotReachTheRunner(attack: String) async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let own = attack.replacingOccurrences(of: " -1", with: " $p").replacingOccurrences(of: " 1", with: " $p")
            let control = try await sandbox.execute("sleep 100911 >/dev/null 2>&1 & p=$!; \(own); sleep 0.2; cut -d' ' -f3 /proc/$p/stat 2>&1; kill -9 $p")
            #expect(["T\n", "Z\n"].contains(control.output) || control.output.contains("No such file"), "the control: \(control)")
            _ = try? await sandbox.execute(attack + "; sleep 0.3; echo done", timeout: .seconds(10))
            #expect(await sandbox.isAlive(), "the container runs on")
            let state = try await Self.initState(sandbox)
            #expect(!state.hasPrefix("T") && state.contains("\n/.sandbox/sandbox-runner init serve"), "\(state)")
            #expect(try await sandbox.execute("echo next").output == "next\n")
            #expect(try await sandbox.execute("sleep 100912", timeout: .milliseconds(500)).exitCode == 124)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 10091").isEmpty)
        }
    }

    /// A SIGTERM from outside (the engine: `docker stop`) still ends the container at once.
    @Test func aSignalFromOutsideStillEndsTheContainer() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("kill -TERM 1; echo ok").output == "ok\n")
            try await DockerClient.shared().killContainer(sandbox.name, signal: "TERM")
            try await waitUntil(.seconds(5)) { try await inspect(sandbox)?.state.running == false }
        }
    }

    /// What a python3 as root in the sandbox can do to each runner process (the init, the
    /// sessions, a command's supervisor, a job's), and to a process of its own as the control:
    /// open its memory, write into its stdout, ptrace-attach it.
    static let probe = #"""
    import ctypes, json, os, subprocess
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    def attempt(f):
        try:
            f(); return "ok"
        except OSError as e:
            return type(e).__name__
    def attach(pid):
        if libc.ptrace(16, pid, None, None) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        os.waitpid(pid, 0); libc.ptrace(17, pid, None, None)
    own = subprocess.Popen(["sleep", "100921"])
    runners = [int(p) for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/cmdline", "rb").read().startswith(b"/.sandbox/sandbox-runner")]
    found = {}
    for pid in runners + [own.pid]:
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode().strip()
        found[str(pid)] = {"cmdline": cmdline if pid != own.pid else "own",
                           "mem": attempt(lambda: open(f"/proc/{pid}/mem", "rb").close()),
                           "fd": attempt(lambda: open(f"/proc/{pid}/fd/1", "wb").close()),
                           "ptrace": attempt(lambda: attach(pid))}
    own.kill()
    print(json.dumps(found))
    """#

    @Test(arguments: Kernel.allCases)
    func runnerProcessesCannotBeTracedOrRead(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let job = try await sandbox.startJob("sleep 100922")
            try await sandbox.write("/tmp/probe.py", Self.probe)
            // A second client's session is a `serve` exec; this command runs under a supervisor.
            let other = try await SandboxEngine().sandbox(named: sandbox.name)
            #expect(try await other.execute("true").exitCode == 0)
            let result = try await sandbox.execute("python3 /tmp/probe.py")
            #expect(result.exitCode == 0, "\(result)")
            let found = try JSONDecoder().decode([String: [String: String]].self, from: Data(result.output.utf8))
            let runners = found.filter { $0.value["cmdline"] != "own" }
            // init, the creator's session, the second client's, this command's supervisor, the job's.
            #expect(runners.count >= 5, "\(found)")
            #expect(runners["1"]?["cmdline"] == "/.sandbox/sandbox-runner init serve", "\(found)")
            #expect(runners.values.contains { $0["cmdline"]?.hasSuffix("sandbox-runner serve") == true }, "\(found)")
            for (pid, process) in runners {
                #expect(process["mem"] == "PermissionError" && process["ptrace"] == "PermissionError", "pid \(pid): \(process)")
                // gVisor's /proc (Debian's runsc, 2022-12) lets a process open another's
                // descriptors whatever its dumpability: there a command can write into a
                // session's stdout, which ends that session (its frames are checked) and the
                // client finds its command again through a new one.
                if kernel == .host { #expect(process["fd"] == "PermissionError", "pid \(pid): \(process)") }
            }
            let own = try #require(found.values.first { $0["cmdline"] == "own" })
            #expect(own["mem"] == "ok" && own["fd"] == "ok" && own["ptrace"] == "ok", "the control: \(own)")
            try await sandbox.killJob(job)
        }
    }

    /// A command that kills its own supervisor is taken over by init: its timeout holds for
    /// everything it starts after, and without a timeout its own exit status and output come back.
    @Test func aCommandThatKillsItsSupervisorIsStillSupervised() async throws {
        try await withSandbox(image: TestImages.busybox) { (sandbox: DockerSandbox) async throws in
            let timed = try await sandbox.execute("kill -9 $PPID; (setsid sleep 100931 &); env -i sleep 100932", timeout: .seconds(1))
            #expect(timed.exitCode == 124 && timed.timedOut, "\(timed)")
            #expect(try await EscapeTests.survivors(sandbox, "sleep 10093").isEmpty)
            let plain = try await sandbox.execute("kill -9 $PPID; sleep 0.3; echo after; exit 5")
            #expect(plain.exitCode == 5 && plain.output == "after\n", "\(plain)")
            #expect(try await sandbox.executionPath() == .runner)
        }
    }

    /// What init takes over from a killed supervisor is its command and the orphans that came
    /// after it started: a server an earlier command left running (let go, as with `docker exec`),
    /// or one a shell left, is not one of them, and lives on past the later command's timeout.
    @Test func whatAnEarlierCommandLetGoIsNotTakenOver() async throws {
        try await withSandbox(image: TestImages.busybox) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("sleep 100941 >/dev/null 2>&1 & echo started").output == "started\n")
            // And what a plain `docker exec` (a shell) left: an orphan of PID 1 it never saw go.
            try await RunnerHostileTests.dockerExec(sandbox, "sleep 100945 >/dev/null 2>&1 &")
            let timed = try await sandbox.execute("kill -9 $PPID; (setsid sleep 100942 &); sleep 100943", timeout: .seconds(1))
            #expect(timed.exitCode == 124, "\(timed)")
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100942").isEmpty)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100943").isEmpty)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100941").count == 1, "the earlier command's server")
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100945").count == 1, "the shell's leftover")
            // And again, once more: init's own state came through the first takeover whole.
            #expect(try await sandbox.execute("kill -9 $PPID; sleep 100944", timeout: .seconds(1)).exitCode == 124)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100941").count == 1)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100945").count == 1)
            #expect(try await sandbox.execute("echo next").output == "next\n")
        }
    }

    /// A session killed mid-command: the client opens another, which finds the command by its
    /// token; the output printed after the kill arrives, and its exit.
    @Test func aSessionKilledMidCommandIsFoundAgain() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let result = try await sandbox.execute(RunnerHostileTests.forEachRunner("kill -KILL ${p#/proc/}") + "; sleep 0.5; echo still-here; exit 3")
            #expect(result.exitCode == 3 && result.output.contains("still-here"), "\(result)")
            #expect(try await sandbox.executionPath() == .runner)
        }
    }
}
