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
            let started = ContinuousClock.now
            let error = await #expect(throws: SandboxError.self) { try await sandbox.execute("echo hi") }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(error?.description.contains("no longer running") == true, "\(String(describing: error))")
            await #expect(throws: SandboxError.self) { try await sandbox.write("x.txt", "x") }
            // start() begins a fresh container after a loss.
            try await sandbox.start()
            #expect(try await sandbox.execute("echo back").output == "back\n")
        }
    }

    @Test func containerKilledDuringExecute() async throws {
        try await withSandbox { sandbox in
            try await sandbox.start()
            let name = sandbox.name
            let killer = Task {
                try await Task.sleep(for: .milliseconds(500))
                try await DockerClient.shared().killContainer(name)
            }
            let started = ContinuousClock.now
            let error = await #expect(throws: SandboxError.self) { try await sandbox.execute("sleep 60") }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(error?.description.contains("no longer running") == true, "\(String(describing: error))")
            try await killer.value
        }
    }

    @Test func streamingYieldsOutputAsItArrives() async throws {
        try await withSandbox { sandbox in
            let started = ContinuousClock.now
            var arrivals: [(ExecEvent, Duration)] = []
            for try await event in sandbox.executeStream("echo one; sleep 1; echo two >&2; sleep 1; echo three; exit 3") {
                arrivals.append((event, ContinuousClock.now - started))
            }
            let events = arrivals.map(\.0)
            #expect(events.prefix(3) == [.stdout("one\n"), .stderr("two\n"), .stdout("three\n")])
            guard case .exit(let exit) = events.last else { Issue.record("no exit event"); return }
            #expect(exit.exitCode == 3)
            #expect(arrivals[0].1 + .milliseconds(900) < arrivals[2].1, "the first line came before the command ended")
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
            var remaining = ""
            for _ in 0..<20 {
                remaining = try await sandbox.execute("ps -o args 2>/dev/null | grep 'sleep 120' | grep -v grep").output
                if remaining.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(remaining.isEmpty, "still running: \(remaining)")
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
