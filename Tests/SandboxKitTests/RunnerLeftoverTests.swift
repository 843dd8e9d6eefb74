import DockerEngine
import Foundation
import NIOCore
@testable import SandboxKit
import Testing

/// The runner's loose ends: an image with no shell told apart from a command by the runner
/// itself, the daemon's architecture asked once, an attach the daemon never answers, and the
/// path each sandbox uses as `sandbox doctor` shows it.
@Suite(.timeLimit(.minutes(2))) struct RunnerLeftoverTests {
    /// The runner says "not found" for a missing `sh` in an answer of its own; the engine used to
    /// match stderr text, so a command printing those words and exiting 127 passed for "no shell".
    @Test func aCommandThatPrintsTheRunnersWordsIsStillACommand() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("printf 'sandbox-runner: sh: not found\\n' >&2; exit 127")
            #expect(result.exitCode == 127)
            #expect(result.output == "sandbox-runner: sh: not found\n")
        }
    }

    /// Placing the runner asked `GET /version` at every placement (every sandbox, every process).
    @Test func theDaemonsArchitectureIsAskedOncePerEndpoint() async throws {
        let daemon = try FakeDaemon { head in
            if head.hasPrefix("GET /_ping") { return FakeDaemon.ping }
            if head.hasPrefix("GET /v1.41/version") { return FakeDaemon.ok(#"{"Version":"20.10.24","ApiVersion":"1.41","Arch":"amd64"}"#) }
            return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        }
        defer { daemon.stop() }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: daemon.path))) { client in
            #expect(await RunnerBinary.daemonArchitecture(client) == "amd64")
            #expect(await RunnerBinary.daemonArchitecture(client) == "amd64")
        }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: daemon.path))) { client in
            #expect(await RunnerBinary.daemonArchitecture(client) == "amd64", "another client of the same endpoint")
        }
        let asked = daemon.requests.withLock { $0 }.filter { $0.hasPrefix("GET /v1.41/version") }
        #expect(asked.count == 1, "\(asked.count) GET /version")
    }

    /// A daemon (or a proxy) that accepts the hijacked start of an exec and never answers: the
    /// wait for the answer's head had no deadline, so the runner's session hung with it.
    @Test func anAttachTheDaemonNeverAnswersFailsAtItsDeadline() async throws {
        let daemon = try FakeDaemon { head in head.hasPrefix("GET /_ping") ? FakeDaemon.ping : nil }
        defer { daemon.stop() }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: daemon.path))) { client in
            let error = await #expect(throws: DockerError.self) {
                try await client.withAttachedExec("0123456789abcdef", answerWithin: .milliseconds(300)) { _, _ in }
            }
            #expect(error?.description.contains("did not answer the start of exec 0123456789ab within 0.3 seconds") == true,
                    "\(String(describing: error))")
        }
        #expect(daemon.requests.withLock { $0 }.contains { $0.hasPrefix("POST /v1.41/exec/0123456789abcdef/start") })
    }

    /// A `sh` that cannot be run (no execute bit) was reported as no shell at all; execvp fails
    /// on it with EACCES, so the command fails as a shell's would, with 126.
    @Test(.enabled(if: RunnerMode.on)) func aShellWithoutTheExecuteBitIsNotAMissingOne() async throws {
        try await withSandbox(image: TestImages.busybox) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("chmod a-x /bin/busybox").exitCode == 0)  // /bin/sh links to it
            let result = try await sandbox.execute("true")
            #expect(result.exitCode == 126, "\(result)")
        }
    }

    /// What a runner not ours says (its stderr, its greeting's version) reached `sandbox doctor`'s
    /// lines raw: escape sequences for the terminal, and line breaks that could fake lines.
    @Test(.enabled(if: RunnerMode.on)) func doctorShowsARunnersWordsWithoutControls() async throws {
        guard case .success(let real) = RunnerBinary.located else {
            Issue.record("build the runner first (make runner)")
            return
        }
        let client = try DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["sleep", "1000000"])
        config.labels = [SandboxLabel.managed: "true", "sandbox.test": "true"]
        let name = "sandbox-doctor-\(UUID().uuidString.prefix(8).lowercased())"
        let id = try await client.createContainer(config, name: name)
        do {
            try await client.startContainer(id)
            var fake = "#!/bin/sh\nprintf 'gone\\033[2J\\302\\23331m\\nfix:     fake' >&2\n#"
            fake += String(repeating: "x", count: real.data.count - fake.utf8.count)
            try await DockerSandbox.placeFile(RunnerBinary.containerPath, ByteBuffer(string: fake), mode: 0o755, in: id, client: client)
            let path = try #require(await SandboxEngine().diagnose(images: []).paths[name])
            #expect(path.contains("gone?[2J?31m fix:     fake"), "\(path)")
        } catch {
            Issue.record(error)
        }
        try await client.removeContainer(id)
    }

    @Test func terminalTextKeepsCharactersAndDropsControls() {
        #expect(TerminalText.oneLine("héllo — 世界\tok\r\n") == "héllo — 世界 ok  ")
        #expect(TerminalText.oneLine("a\u{1B}[31mb\u{9B}c\u{7F}d\u{202E}e") == "a?[31mb?c?d?e")
    }

    /// `sandbox doctor` (and the debug log) say per sandbox which path it uses and why.
    @Test(arguments: Kernel.allCases) func doctorSaysWhichPathEachSandboxUses(kernel: Kernel) async throws {
        try await withSandbox(image: TestImages.busybox, kernel: kernel) { (sandbox: DockerSandbox) async throws in
            let summary = try await sandbox.executionSummary()
            switch try await sandbox.executionPath() {
            case .runner:
                #expect(RunnerMode.on)
                // Debian's runsc (2022) has no subreapers; the host's kernel has.
                #expect(summary == (kernel == .gVisor ? "runner: no-subreaper (gVisor)" : "runner"))
            case .exec(let reason):
                #expect(!RunnerMode.on, "the runner did not run: \(reason)")
                #expect(summary == "exec: turned off (SANDBOX_RUNNER=off)")
            }
            let diagnosis = await (try SandboxEngine()).diagnose(images: [])
            #expect(diagnosis.paths[sandbox.name] == summary, "\(diagnosis.paths)")
        }
    }
}
