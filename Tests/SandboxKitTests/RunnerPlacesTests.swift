import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// The runner in the kinds of sandbox the issue names: no shell at all, a musl rootfs, a
/// container someone else started (placed at first use), and one with a read-only root.
@Suite(.timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct RunnerPlacesTests {
    static let distroless = "sandbox-test/distroless:latest"
    static let musl = "sandbox-test/musl:latest"

    @Test func anImageWithNoShellHasFilesAndSaysWhyCommandsCannotRun() async throws {
        // No `sleep` either: the runner is the container's own command.
        try await withSandbox(image: Self.distroless) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner)
            try await sandbox.write("notes/a.txt", "no shell here\n")
            #expect(try await sandbox.readText("notes/a.txt") == "no shell here\n")
            try await sandbox.edit("notes/a.txt", "no shell", "still no shell")
            #expect(try await sandbox.readText("/workspace/notes/a.txt") == "still no shell here\n")
            // The runner's own answer, typed; the session stays open for the next command.
            await #expect(throws: sandbox.noShellError) { try await sandbox.execute("echo hi") }
            await #expect(throws: sandbox.noShellError) { try await sandbox.execute("true") }
            #expect(try await sandbox.executionPath() == .runner)
        }
    }

    @Test func aMuslRootfsRunsCommandsUnderTheRunner() async throws {
        try await withSandbox(image: Self.musl) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner)
            #expect(try await sandbox.execute("hello-musl").output == "hello from musl\n")
            let result = try await sandbox.execute("setsid sleep 100041 & sleep 100042", timeout: .milliseconds(500))
            #expect(result.exitCode == 124 && result.timedOut)
            #expect(try await !sandbox.execute("ps").output.contains("sleep 10004"))
        }
    }

    /// A container we did not create: no runner mounted; it is copied in at first use.
    @Test(arguments: [false, true])
    func aContainerStartedElsewhereGetsTheRunnerAtFirstUse(readOnlyRoot: Bool) async throws {
        let client = try DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["sleep", "infinity"])
        config.labels = ["sandbox.test": "true"]
        config.hostConfig.readonlyRootfs = readOnlyRoot
        // Docker's own /dev/shm is noexec: the runner must find a place it can run from.
        if readOnlyRoot { config.hostConfig.tmpfs = ["/tmp": "exec,mode=1777", "/run": "noexec"] }
        let name = "sandbox-test-elsewhere-" + UUID().uuidString.prefix(8).lowercased()
        let id = try await client.createContainer(config, name: name)
        defer { Task { try? await client.removeContainer(id) } }
        try await client.startContainer(id)
        let sandbox = try await SandboxEngine(client: client).sandbox(named: name)
        #expect(try await sandbox.executionPath() == .runner)
        #expect(try await sandbox.execute("echo \"$0\"").output == "sh\n")
        let timedOut = try await sandbox.execute("env -i setsid sleep 100051 & sleep 100052", timeout: .milliseconds(500))
        #expect(timedOut.exitCode == 124)
        #expect(try await !sandbox.execute("ps").output.contains("sleep 10005"))
        let listing = try await sandbox.execute("ls -a /tmp /.sandbox 2>&1").output
        #expect(listing.contains(readOnlyRoot ? ".sandbox-runner" : "sandbox-runner"), "\(listing)")
        try await client.removeContainer(id)
    }
}
