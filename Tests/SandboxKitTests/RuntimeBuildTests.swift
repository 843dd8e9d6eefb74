import DockerEngine
import Foundation
import Synchronization
import Testing
@testable import SandboxKit

/// Runtime images built through the Engine API from the local busybox image: no network.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RuntimeBuildTests {
    static func config(_ marker: String, setup: [String] = []) -> RuntimeConfig {
        RuntimeConfig(name: "test-rt", description: "test", baseImage: TestImages.busybox,
                      setupCommands: setup.isEmpty ? ["echo \(marker) > /etc/marker"] : setup,
                      envVars: ["GREETING": "hello \(marker)"], workDir: "/srv/app")
    }

    static func removeImage(_ config: RuntimeConfig) async throws {
        try await DockerClient.shared().removeImage(RuntimeImage.tag(for: config), force: true)
    }

    final class Progress: Sendable {
        let events = Mutex<[BuildProgress]>([])
        var all: [BuildProgress] { events.withLock { $0 } }
        func record(_ event: BuildProgress) { events.withLock { $0.append(event) } }
    }

    @Test func buildsOnceThenReusesAndRebuildsOnChange() async throws {
        let marker = UUID().uuidString.prefix(8).lowercased()
        let config = Self.config(String(marker))
        try await Self.removeImage(config)

        let progress = Progress()
        let first = DockerSandbox(runtime: config)
        await first.onBuildProgress(progress.record)
        let result = try await first.execute("echo $GREETING; cat /etc/marker; pwd")
        #expect(result.output == "hello \(marker)\n\(marker)\n/srv/app\n")
        try await first.stop()
        let steps = progress.all.compactMap(\.step)
        #expect(steps.count >= 3, "progress has a step per Dockerfile line: \(progress.all.map(\.line))")
        #expect(steps == steps.sorted(), "steps arrive in order")
        #expect(progress.all.first?.totalSteps == steps.count)

        let reuse = Progress()
        let second = DockerSandbox(runtime: config)
        await second.onBuildProgress(reuse.record)
        #expect(try await second.execute("cat /etc/marker").output == "\(marker)\n")
        try await second.stop()
        #expect(reuse.all.isEmpty, "an identical config reuses the tag without building")

        var changed = config
        changed.envVars["EXTRA"] = "1"
        #expect(RuntimeImage.tag(for: changed) != RuntimeImage.tag(for: config))
        let third = DockerSandbox(runtime: changed)
        #expect(try await third.execute("echo $EXTRA").output == "1\n")
        try await third.stop()
        #expect(try await DockerClient.shared().inspectImage(RuntimeImage.tag(for: changed)) != nil)
        try await Self.removeImage(config)
        try await Self.removeImage(changed)
    }

    @Test func twoSandboxesAtOnceBuildOnce() async throws {
        let config = Self.config("twins-\(UUID().uuidString.prefix(6).lowercased())")
        try await Self.removeImage(config)
        let progress = Progress()
        let sandboxes = [DockerSandbox(runtime: config), DockerSandbox(runtime: config)]
        for sandbox in sandboxes { await sandbox.onBuildProgress(progress.record) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sandbox in sandboxes { group.addTask { try await sandbox.start() } }
            try await group.waitForAll()
        }
        #expect(progress.all.filter { $0.step == 1 }.count == 1, "one build: \(progress.all.map(\.line))")
        for sandbox in sandboxes { try await sandbox.stop() }
        try await Self.removeImage(config)
    }

    @Test func aFailingSetupCommandNamesTheStepAndItsOutput() async throws {
        let config = Self.config("x", setup: ["echo preparing; echo the-real-reason >&2; exit 3"])
        let sandbox = DockerSandbox(runtime: config)
        let error = await #expect(throws: SandboxError.self) { try await sandbox.start() }
        guard case .buildFailed(let runtime, let step, let output)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(runtime == "test-rt")
        #expect(step.contains("RUN echo preparing"), "step: \(step)")
        #expect(output.contains("the-real-reason"), "output: \(output)")
        #expect(output.contains("returned a non-zero code: 3"))
        #expect(try await DockerClient.shared().inspectImage(RuntimeImage.tag(for: config)) == nil, "nothing tagged as built")
    }

    @Test func runtimesFilePointsABuiltInAtALocalImage() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("runtimes-\(UUID().uuidString).toml")
        try "[python-minimal]\nimage = \"\(TestImages.python)\"\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let (registry, problem) = RuntimesFile.load(from: url)
        #expect(problem == nil)
        let sandbox = DockerSandbox(runtime: "python-minimal", network: .none, runtimes: registry)
        try await sandbox.write("/workspace/app.py", fibonacciSource)
        #expect(try await sandbox.execute("python /workspace/app.py").output == "0 1 1 2 3 5 8 13 21 34 ")
        #expect(try await inspect(sandbox)?.config.labels?["sandbox.runtime"] == "python-minimal")
        try await sandbox.stop()
    }

    @Test func unknownRuntimeListsTheKnownOnes() async throws {
        let sandbox = DockerSandbox(runtime: "pyhton-minimal")
        let error = await #expect(throws: SandboxError.self) { try await sandbox.start() }
        #expect(error?.description.contains("unknown runtime 'pyhton-minimal'; known runtimes: node-minimal") == true)
    }
}
