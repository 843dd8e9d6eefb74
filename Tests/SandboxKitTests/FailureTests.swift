import DockerEngine
import Foundation
import SandboxKit
import Testing

@Suite(.timeLimit(.minutes(3))) struct FailureTests {
    @Test func containerKilledFromOutside() async throws {
        try await withSandbox { sandbox in
            try await sandbox.start()
            try await DockerClient.shared().killContainer(sandbox.name)
            #expect(await sandbox.isAlive() == false)
            let error = await #expect(throws: SandboxError.self) { try await sandbox.execute("echo hi") }
            #expect(error?.description.contains("no longer running") == true, "\(String(describing: error))")
            await #expect(throws: SandboxError.self) { try await sandbox.write("x.txt", "x") }
            // start() begins a fresh container after a loss.
            try await sandbox.start()
            #expect(try await sandbox.execute("echo back").output == "back\n")
        }
    }

    /// Killed once the command has visibly started (not after a guessed delay); `sleep 600`
    /// outlasts the suite's time limit, so returning at all means the loss was noticed.
    @Test func containerKilledDuringExecute() async throws {
        try await withSandbox { sandbox in
            try await sandbox.start()
            let error = await #expect(throws: SandboxError.self) {
                for try await event in sandbox.executeStream("echo started; sleep 600") where event == .stdout("started\n") {
                    try await DockerClient.shared().killContainer(sandbox.name)
                }
            }
            #expect(error?.description.contains("no longer running") == true, "\(String(describing: error))")
        }
    }

    /// The command waits for a file the test makes only once the line before has arrived: each
    /// line must be delivered while the command is still running, or the stream never ends.
    @Test func streamingYieldsOutputAsItArrives() async throws {
        try await withSandbox { sandbox in
            try await sandbox.start()
            let gated = "echo one; until [ -e g1 ]; do sleep 0.05; done; echo two >&2; until [ -e g2 ]; do sleep 0.05; done; echo three; exit 3"
            var events: [ExecEvent] = []
            for try await event in sandbox.executeStream(gated) {
                events.append(event)
                if event == .stdout("one\n") { _ = try await sandbox.execute("touch g1") }
                if event == .stderr("two\n") { _ = try await sandbox.execute("touch g2") }
            }
            #expect(events.prefix(3) == [.stdout("one\n"), .stderr("two\n"), .stdout("three\n")])
            guard case .exit(let exit) = events.last else { Issue.record("no exit event"); return }
            #expect(exit.exitCode == 3)
        }
    }

    @Test func cancellingAStreamKillsTheProcess() async throws {
        try await withSandbox { sandbox in
            try await sandbox.start()
            let consumer = Task {
                for try await event in sandbox.executeStream("echo started; sleep 120") {
                    if event == .stdout("started\n") { break }
                }
            }
            try await consumer.value
            // The kill follows the cancel from a task of its own: wait for it, failing loudly.
            let deadline = ContinuousClock.now + .seconds(30)
            while case let remaining = try await sandbox.execute("ps -o args 2>/dev/null | grep 'sleep 120' | grep -v grep").output,
                  !remaining.isEmpty {
                try #require(ContinuousClock.now < deadline, "still running 30 s after the cancel: \(remaining)")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test func timeoutInStreamingModeReportsExit124() async throws {
        try await withSandbox { sandbox in
            var last: ExecEvent?
            for try await event in sandbox.executeStream("sleep 30", timeout: .milliseconds(500)) { last = event }
            guard case .exit(let exit) = last else { Issue.record("no exit event"); return }
            #expect(exit.exitCode == 124 && exit.timedOut)
        }
    }

    @Test func unreachableDaemonIsReportedClearly() async throws {
        let client = DockerClient(host: .unix(path: "/tmp/no-such-docker.sock"))
        await expectUnreachable(DockerSandbox(image: TestImages.python, client: client), at: "unix:///tmp/no-such-docker.sock")
        try await client.shutdown()
    }

    @Test func refusedTCPPortIsReportedClearly() async throws {
        let client = DockerClient(host: .tcp(host: "127.0.0.1", port: 1))
        let error = await #expect(throws: DockerError.self) { try await client.ping() }
        #expect(error?.description.hasPrefix("Docker daemon not reachable at tcp://127.0.0.1:1") == true)
        try await client.shutdown()
    }

    @Test func missingImageExplainsTheFix() async throws {
        let sandbox = DockerSandbox(image: "sandbox-test/does-not-exist:\(UUID().uuidString.prefix(8).lowercased())", network: .none)
        let error = await #expect(throws: SandboxError.self) { try await sandbox.start() }
        guard case .imageUnavailable(let image, _)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(image.hasPrefix("sandbox-test/does-not-exist:"))
        #expect(error?.description.contains("point the sandbox at a local image") == true)
    }

    @Test func badSettingsAreRefusedBeforeAnythingStarts() async throws {
        let sandbox = DockerSandbox(image: TestImages.python, memoryLimit: "lots")
        let error = await #expect(throws: SandboxError.self) { try await sandbox.start() }
        #expect(error?.description.contains("memoryLimit 'lots'") == true)
        #expect(try await inspect(sandbox) == nil)
    }
}
