import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Images made locally by scripts/setup-machine.sh (no registry is needed).
enum TestImages {
    static let python = ProcessInfo.processInfo.environment["SANDBOX_TEST_PYTHON_IMAGE"] ?? "sandbox-test/python:3.11"
    static let busybox = ProcessInfo.processInfo.environment["SANDBOX_TEST_BUSYBOX_IMAGE"] ?? "sandbox-test/busybox:latest"
    static let both = [python, busybox]
}

/// The kernel a test's sandbox runs on: the host's (the daemon's default runtime), or gVisor's
/// (`runsc`, registered with the main dockerd by scripts/test/engines.sh; it runs here only
/// without a network, see ../shared/notes/docker-engine.md).
enum Kernel: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case host, gVisor

    var testDescription: String { rawValue }

    var security: SecurityProfile {
        var security = SecurityProfile.hardened
        if self == .gVisor { security.ociRuntime = "runsc" }
        return security
    }

    func network(_ wanted: NetworkMode) -> NetworkMode { self == .gVisor ? .none : wanted }

    /// Cancels (skips, saying why) a gVisor case on a daemon without runsc; `make test` registers
    /// it. A daemon that does not answer fails the test instead.
    func require() async throws {
        guard self == .gVisor, try await DockerClient.shared().info().runtimes?["runsc"] == nil else { return }
        try Test.cancel("runsc is not registered with the daemon: run scripts/test/engines.sh start")
    }
}

/// Runs `body` with a fresh sandbox and always removes the container afterwards.
func withSandbox<T>(
    image: String = TestImages.python, volumes: [String: String] = [:], network: NetworkMode = .on, kernel: Kernel = .host,
    user: SandboxUser? = nil, client: DockerClient? = nil, _ body: (DockerSandbox) async throws -> T
) async throws -> T {
    try await kernel.require()
    let sandbox = DockerSandbox(image: image, volumes: volumes, labels: ["sandbox.test": "true"], network: kernel.network(network),
                                security: kernel.security, user: user, client: client)
    do {
        let result = try await body(sandbox)
        try await sandbox.stop()
        return result
    } catch {
        try? await sandbox.stop()
        throw error
    }
}

/// An `execute` against a daemon that does not answer fails (rather than waiting for it: a hang
/// runs into the suite's time limit) with the advice-style message naming `address`, and the
/// sandbox reports itself not alive.
func expectUnreachable(_ sandbox: DockerSandbox, at address: String) async {
    let error = await #expect(throws: SandboxError.self) { try await sandbox.execute("true") }
    #expect(error?.description.hasPrefix("Docker daemon not reachable at \(address) (is dockerd running?)") == true,
            "\(String(describing: error))")
    #expect(await sandbox.isAlive() == false)
}

/// What a probe container does once made: removed at once (a `destroy` event), or started to run
/// `true` (`start`, then its end; the test removes those by their label).
enum ProbeStep { case remove, start }

/// Makes a container every 200 ms until cancelled, for a test to see that its event subscription
/// is live: the daemon answers `GET /events` before it subscribes, so an event right after the
/// answer can be missed (and then a test waits for the poll or its time limit).
func eventProbe(on engine: DockerClient? = nil, labels: [String: String] = [SandboxLabel.managed: "true"],
                then step: ProbeStep = .remove) -> Task<Void, any Error> {
    Task {
        let client = try engine ?? DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["true"])
        config.labels = labels.merging(["sandbox.test": "true"]) { $1 }
        while !Task.isCancelled {
            // A task of its own, which the cancel does not reach: a probe made is a probe finished.
            try await Task {
                let id = try await client.createContainer(config, name: "sandbox-probe-\(UUID().uuidString.prefix(8).lowercased())")
                switch step {
                case .remove: try await client.removeContainer(id)
                case .start: try await client.startContainer(id)
                }
            }.value
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// The container behind a sandbox, read from the daemon by its name.
func inspect(_ sandbox: DockerSandbox) async throws -> ContainerInspect? {
    do {
        return try await DockerClient.shared().inspectContainer(sandbox.name)
    } catch DockerError.notFound {
        return nil
    }
}

let fibonacciSource = """
a, b = 0, 1
for _ in range(10):
    print(a, end=" ")
    a, b = b, a + b
"""

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Polls `condition` every 50 ms; fails the test when it is still false after `limit`.
func waitUntil(_ limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        try #require(ContinuousClock.now < deadline, "timed out after \(limit)")
        try await Task.sleep(for: .milliseconds(50))
    }
}
