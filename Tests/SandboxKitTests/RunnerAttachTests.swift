import DockerEngine
import Foundation
import SandboxKit
import Testing

/// The creating process's first runner session is the container's own command (`sandbox-runner
/// init serve`, its PID 1), attached before the start: the cold path has no `docker exec`. Execs are counted
/// by the daemon (`ExecIDs`: the execs still running, which a `serve` exec is for its whole session).
@Suite(.timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct RunnerAttachTests {
    /// The execs that run in `sandbox`'s container now.
    static func runningExecs(_ sandbox: DockerSandbox, client: DockerClient? = nil) async throws -> [String] {
        try await (client ?? DockerClient.shared()).inspectContainer(sandbox.name).execIDs ?? []
    }

    /// `execute(command)` until its first output, then `body` while it still runs; the command is
    /// cancelled after.
    static func whileRunning(_ sandbox: DockerSandbox, _ command: String, _ body: () async throws -> Void) async throws {
        let started = AsyncStream<Void>.makeStream()
        let task = Task {
            try await sandbox.execute(command) { event in
                if case .stdout = event { started.continuation.yield() }
            }
        }
        for await _ in started.stream { break }
        try await body()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test(arguments: Kernel.allCases)
    func theFirstCommandOfANewSandboxNeedsNoExec(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel) { (sandbox: DockerSandbox) async throws in
            try await Self.whileRunning(sandbox, "echo ready; sleep 100071") {
                let execs = try await Self.runningExecs(sandbox)
                #expect(execs.isEmpty, "neither a serve exec nor the command's own")
            }
            #expect(try await sandbox.executionPath() == .runner)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100071").isEmpty, "the cancel killed it")
            #expect(try await Self.runningExecs(sandbox).isEmpty)
        }
    }

    @Test func outputExitCodesTimeoutsAndFilesGoOverTheAttachedSession() async throws {
        try await withSandbox(image: TestImages.busybox) { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("echo out; echo err >&2; exit 3")
            #expect(result.exitCode == 3 && result.output.contains("out\n") && result.output.contains("err\n"), "\(result)")
            #expect(try await sandbox.execute("setsid sleep 100072 & sleep 100073", timeout: .seconds(1)).exitCode == 124)
            #expect(try await EscapeTests.survivors(sandbox, "sleep 10007").isEmpty)
            try await sandbox.write("a/b.txt", "hello\n")
            #expect(try await sandbox.readData("a/b.txt") == Data("hello\n".utf8))
            #expect(try await Self.runningExecs(sandbox).isEmpty, "no serve exec was needed")
        }
    }

    /// The attached session killed from inside ends that session, not the container, and the
    /// next command goes by a `serve` exec. (A malformed frame written into the container's
    /// stdout from inside did the same; nothing inside can open the runner's stdout now.)
    @Test(arguments: ["kill -KILL ${p#/proc/}"])
    func aBrokenAttachedSessionLeavesTheContainerAndExecServesTheNext(attack: String) async throws {
        try await withSandbox(image: TestImages.busybox) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("echo first").output == "first\n")
            #expect(try await Self.runningExecs(sandbox).isEmpty)
            // By docker exec, so no command of the session is in flight.
            let client = try DockerClient.shared()
            let exec = try await client.createExec(container: sandbox.name, .init(cmd: ["sh", "-c", RunnerHostileTests.forEachRunner(attack)]))
            for try await _ in try await client.startExec(exec) {}
            #expect(try await client.inspectExec(exec).exitCode == 0, "\(attack)")
            // The session may still take the next command before it sees its end: then that one
            // fails as a lost session, and the one after it goes by exec.
            var output = try? await sandbox.execute("echo second").output
            if output != "second\n" { output = try await sandbox.execute("echo second").output }
            #expect(output == "second\n")
            #expect(await sandbox.isAlive(), "the container runs on")
            #expect(try await Self.runningExecs(sandbox).count == 1, "a serve exec of its own")
            #expect(try await sandbox.executionPath() == .runner)
        }
    }

    /// Podman attaches before the start as dockerd does; a daemon elsewhere (TLS, ssh) gets the
    /// runner copied into the created container, so its cold path has no exec either.
    @Test(arguments: ["podman", "tls", "ssh"])
    func otherEnginesFirstSessionIsAttachedToo(engine: String) async throws {
        setenv("SANDBOX_SSH_CONFIG", RemoteEngineTests.state + "/ssh/config", 1)
        let endpoint = switch engine {
        case "podman": DockerEndpoint(host: EngineKindsTests.podman)
        case "tls": try DockerEndpoint.resolve(environment: RemoteEngineTests.tlsEnvironment)
        default: try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "ssh://sandbox-test-ssh"])
        }
        try await RemoteEngineTests.withClient(endpoint) { client in
            let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            do {
                try await Self.whileRunning(sandbox, "echo ready; sleep 100075") {
                    let execs = try await Self.runningExecs(sandbox, client: client)
                    #expect(execs.isEmpty, "\(engine): no exec on the cold path")
                }
                let result = try await sandbox.execute("echo hi; exit 5")
                #expect(result.output == "hi\n" && result.exitCode == 5, "\(result)")
                #expect(try await sandbox.executionPath() == .runner)
                #expect(try await Self.runningExecs(sandbox, client: client).isEmpty)
                #expect(try await sandbox.execute("sleep 100074", timeout: .seconds(1)).exitCode == 124)
                try await sandbox.stop()
            } catch {
                try? await sandbox.stop()
                throw error
            }
        }
    }
}
