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

/// Runs `body` with a fresh sandbox and always removes the container afterwards.
func withSandbox<T>(
    image: String = TestImages.python, volumes: [String: String] = [:], network: NetworkMode = .on,
    _ body: (DockerSandbox) async throws -> T
) async throws -> T {
    let sandbox = DockerSandbox(image: image, volumes: volumes, labels: ["sandbox.test": "true"], network: network)
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

/// Makes and removes a container of ours every 200 ms until cancelled, for a test to see that its
/// event subscription is live: the daemon answers `GET /events` before it subscribes, so an event
/// right after the answer can be missed (and then a test waits for the poll or its time limit).
func eventProbe() -> Task<Void, any Error> {
    Task {
        let client = try DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["true"])
        config.labels = [SandboxLabel.managed: "true", "sandbox.test": "true"]
        while !Task.isCancelled {
            // A task of its own, which the cancel does not reach: a probe made is a probe removed.
            try await Task {
                let id = try await client.createContainer(config, name: "sandbox-probe-\(UUID().uuidString.prefix(8).lowercased())")
                try await client.removeContainer(id)
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
