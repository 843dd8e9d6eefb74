import Foundation
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// `demo` through a session: a runtimes.toml entry's own sample (a directory, named relative to
/// the file) is copied into the new sandbox, its entry shown and run.
extension SessionTests {
    static let demoChecks: [String: Check] = [
        "demo": { _, _ in try await runtimesFileSampleIsUsed() },
        "record": { session, out in
            #expect(await session.perform(.record("screen.cast"), output: out) == 1)
            guard case .needsEditor(let spec) = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "record")
        },
    ]

    static func runtimesFileSampleIsUsed() async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        let sample = config.appendingPathComponent("team-sample")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try "from helper import greeting\nprint(greeting('team'))\n".write(to: sample.appendingPathComponent("main.py"), atomically: true, encoding: .utf8)
        try "def greeting(who):\n    return f'hello, {who}'\n".write(to: sample.appendingPathComponent("helper.py"), atomically: true, encoding: .utf8)
        let python = ProcessInfo.processInfo.environment["SANDBOX_TEST_PYTHON_IMAGE"] ?? "sandbox-test/python:3.11"
        let toml = "[team-demo]\nimage = \"\(python)\"\nsample = \"team-sample\"\n"
        let file = config.appendingPathComponent("runtimes.toml").path
        let configs = try RuntimesFile.parse(toml, file: file, base: RuntimeRegistry(RuntimeRegistry.builtIn))
        #expect(configs.first?.sample == sample.path, "relative to the runtimes file's directory")

        let session = Session(engine: try SandboxEngine(), creator: .repl, runtimes: RuntimeRegistry(configs))
        let out = Recorder()
        let status = await session.perform(.demo("team-demo"), output: out)
        let events = out.take()
        await session.shutdown()
        #expect(status == 0, "\(events)")
        let shown = events.compactMap { event -> String? in if case .fileShown(let path, _) = event { path } else { nil } }
        #expect(shown == ["/workspace/main.py"])
        let printed = events.compactMap { event -> String? in if case .stdout(let text) = event { text } else { nil } }.joined()
        #expect(printed == "hello, team\n", "both files are in the work directory: \(events)")
    }

    /// A runtime without a sample says where one goes, and creates no sandbox.
    @Test func demoWithoutASampleSaysHowToAddOne() async throws {
        let session = Session(engine: try SandboxEngine(), creator: .repl,
                              runtimes: RuntimeRegistry([RuntimeConfig(name: "bare", image: Self.image)]))
        let out = Recorder()
        #expect(await session.perform(.demo("bare"), output: out) == 1)
        guard case .failed(let error) = out.take().last else { Issue.record("no .failed"); return }
        #expect("\(error)".contains("add sample = \"PATH\""), "\(error)")
        #expect(await session.currentName == nil)
    }
}
