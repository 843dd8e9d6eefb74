import ArgumentParser
import Foundation
import SandboxKit

/// `sandbox` with no arguments. Until the full-screen console lands, it runs the seed example
/// in a fresh sandbox and prints its output.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "The full-screen console (the default).")

    func run() async throws {
        let sandbox = DockerSandbox(image: DockerSandbox.defaultImage, createdBy: .cli)
        do {
            try await sandbox.write("/workspace/app.py", """
                a, b = 0, 1
                for _ in range(10):
                    print(a, end=" ")
                    a, b = b, a + b
                """)
            let result = try await sandbox.execute("python /workspace/app.py")
            Terminal.out(result.output + "\n")
            try await sandbox.stop()
        } catch {
            try? await sandbox.stop()
            throw error
        }
    }
}
