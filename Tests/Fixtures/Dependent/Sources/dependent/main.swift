import Foundation
import SandboxKit

// Prints how its sandbox runs commands ("runner", or the exec path and why) and what one printed.
let image = CommandLine.arguments.dropFirst().first ?? "sandbox-test/busybox:latest"
let sandbox = DockerSandbox(image: image, labels: ["sandbox.test": "true"])
do {
    try await sandbox.start()
    let path = try await sandbox.executionPath()
    let result = try await sandbox.execute("echo hello from a dependent")
    print(path == .runner ? "runner" : "\(path)")
    print(result.output, terminator: "")
    try await sandbox.stop()
} catch {
    print("error: \(error)")
    try? await sandbox.stop()
    exit(1)
}
