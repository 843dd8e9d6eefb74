import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Other engines and kernels beside the main dockerd, set up by scripts/test/engines.sh: Podman's
/// Docker-compatible service, and gVisor's runsc registered with dockerd.
@Suite(.timeLimit(.minutes(3)), .serialized) struct EngineKindsTests {
    static let podman = DockerHost.unix(path: "/run/sandbox-test-podman.sock")

    @Test func podmanRunsTheSeedExamplesAndSaysItIsPodman() async throws {
        try await RemoteEngineTests.withClient(DockerEndpoint(host: Self.podman)) { client in
            try await RemoteEngineTests.seedExamples(on: client)
            let diagnosis = await (try SandboxEngine(client: client)).diagnose(images: [])
            #expect(diagnosis.engineVersion?.hasPrefix("Podman Engine") == true, "\(String(describing: diagnosis.engineVersion))")
        }
    }

    /// The console's list follows Podman's events ("died", not "die").
    @Test func podmansEventsReachTheWatcher() async throws {
        try await RemoteEngineTests.withClient(DockerEndpoint(host: Self.podman)) { client in
            let engine = try SandboxEngine(client: client)
            let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            try await sandbox.start()
            var actions = engine.changes().makeAsyncIterator()
            // The daemon answers before it subscribes: create and remove a labelled container until
            // an event shows the subscription live, then kill the sandbox from outside.
            let probe = eventProbe(on: client)
            _ = try await actions.next()
            probe.cancel()
            _ = await probe.result
            try await client.killContainer(sandbox.name)
            var seen: [String] = []
            while let action = try await actions.next() {
                seen.append(action)
                if action == "died" || action == "die" { break }
            }
            #expect(seen.contains { $0 == "died" || $0 == "die" }, "\(seen)")
            try? await sandbox.stop()
        }
    }

    /// gVisor: the sandbox runs on its own kernel; the runner, files and timeouts work there too.
    @Test func gVisorRunsTheSeedExamplesOnItsOwnKernel() async throws {
        var security = SecurityProfile.hardened
        security.ociRuntime = "runsc"
        let sandbox = DockerSandbox(image: TestImages.python, labels: ["sandbox.test": "true"], network: .none, security: security)
        do {
            #expect(try await sandbox.execute("uname -r").output == "4.4.0\n", "gVisor reports Linux 4.4.0")
            if RunnerMode.on { #expect(try await sandbox.executionPath() == .runner) }
            try await sandbox.write("app.py", "print(sum(range(10)))\n")
            #expect(try await sandbox.execute("python3 app.py").output == "45\n")
            let result = try await sandbox.execute("setsid sleep 100061 & env -i sleep 100062", timeout: .seconds(1))
            #expect(result.exitCode == 124)
            // Without the runner (SANDBOX_RUNNER=off), `env -i` escapes the exec path's marker kill.
            if RunnerMode.on { #expect(try await !sandbox.execute("ps -ef").output.contains("sleep 10006")) }
            try await sandbox.stop()
        } catch {
            try? await sandbox.stop()
            throw error
        }
    }
}
