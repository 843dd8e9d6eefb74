import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Background jobs (runner/job.c): they outlive the client, keep their output in the sandbox
/// (bounded), and a kill ends everything they started.
@Suite(.timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct JobTests {
    /// Job `id` once it has ended; fails loudly when it runs on past a few seconds of polling.
    static func ended(_ sandbox: DockerSandbox, _ id: Int) async throws -> SandboxJob {
        for _ in 0..<500 {
            if let job = try await sandbox.jobs().first(where: { $0.id == id }), job.state != .running { return job }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SandboxError.commandFailed("job \(id) still runs")
    }

    @Test func aJobsOutputSurvivesRestartingTheClient() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let id = try await sandbox.startJob("for i in 1 2 3; do echo line$i; done; echo oops >&2; exit 3")
            #expect(try await Self.ended(sandbox, id).state == .exited(3))
            // Another client (as a new process would be): it has its own runner session.
            let later = try await SandboxEngine().sandbox(named: sandbox.name)
            #expect(try await later.jobLog(id) == "line1\nline2\nline3\noops\n")
            let job = try #require(try await later.jobs().first { $0.id == id })
            #expect(job.command == "for i in 1 2 3; do echo line$i; done; echo oops >&2; exit 3")
            #expect(job.started.timeIntervalSinceNow < 60 && job.pid > 0)
            #expect(try await later.startJob("true") == id + 1, "numbers go on")
        }
    }

    @Test(arguments: TestImages.both)
    func aKillEndsEverythingTheJobStarted(image: String) async throws {
        try await withSandbox(image: image) { (sandbox: DockerSandbox) async throws in
            let id = try await sandbox.startJob("setsid sh -c 'sleep 100777 &'; (sleep 100778 &); env -i sleep 100779")
            // A job outlives the command that started it: the runner's session answered long ago.
            var sleeping: [String] = []
            for _ in 0..<250 where sleeping.count < 3 {
                sleeping = try await EscapeTests.survivors(sandbox, "sleep 10077").filter { $0.hasPrefix("sleep") }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(sleeping.count == 3, "\(sleeping)")
            #expect(try await sandbox.jobs().first { $0.id == id }?.state == .running)
            try await sandbox.killJob(id)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 10077").isEmpty, "the job's runner, its shell and the sleeps")
            #expect(try await sandbox.jobs().first { $0.id == id }?.state == .exited(130))
            await #expect(throws: SandboxError.self) { try await sandbox.killJob(id) }
            await #expect(throws: SandboxError.self) { try await sandbox.killJob(id + 100) }
        }
    }

    @Test func theKeptLogIsBoundedAndStartsAtAWholeLine() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let id = try await sandbox.startJob("seq 1 1000000")  // 6.9 MB
            #expect(try await Self.ended(sandbox, id).state == .exited(0))
            let log = try await sandbox.jobLog(id)
            #expect(log.utf8.count <= DockerSandbox.jobLogLimit && log.utf8.count > DockerSandbox.jobLogLimit / 2)
            #expect(log.hasSuffix("999999\n1000000\n"))
            let lines = log.split(separator: "\n")
            let first = try #require(lines.first.flatMap { Int($0) })
            #expect(lines.count == 1_000_000 - first + 1, "whole lines, none missing from the first kept")
            let kept = try await sandbox.execute("cat /.sandbox/jobs/\(id)/out.* | wc -c")
            #expect(Int(kept.output.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 <= DockerSandbox.jobLogLimit } == true, "\(kept)")
        }
    }

    @Test func followingAJobGivesItsOutputAsItComesAndEndsWithIt() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let id = try await sandbox.startJob("echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second")
            var received = ""
            for try await text in sandbox.followJob(id) {
                received += text
                if received == "first\n" { _ = try await sandbox.execute("touch /tmp/go") }
            }
            #expect(received == "first\nsecond\n")
            await #expect(throws: SandboxError.self) { for try await _ in sandbox.followJob(id + 1) {} }
        }
    }
}

/// With the runner off there are no jobs: the error says why.
@Suite(.enabled(if: !RunnerMode.on)) struct JobsWithoutRunnerTests {
    @Test func jobsNeedTheRunner() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let error = await #expect(throws: SandboxError.self) { try await sandbox.startJob("sleep 1") }
            #expect(error?.description.contains("need the sandbox's runner") == true, "\(String(describing: error))")
        }
    }
}
