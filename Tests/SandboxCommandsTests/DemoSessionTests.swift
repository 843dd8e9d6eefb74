import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    /// A runtimes.toml runtime whose sample is a server (`port`): the demo starts it as a job,
    /// forwards the port and reports the URL once it listens; the page answers there until the
    /// session ends, which frees the port.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"))
    func aServerSampleRunsAsAJobWithItsPortForwarded() async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        let session = try Self.serverDemoSession("web-demo", sample: try Self.serverSample(in: config), config: config)
        let out = Recorder()
        let status = await session.perform(.demo("web-demo"), output: out)
        let events = out.take()
        var url: URL?
        if case .serving(_, 1, let address)? = events.last { url = URL(string: address) }
        do {
            #expect(status == 0, "\(events)")
            #expect(events.contains { if case .jobStarted(1, "python /workspace/main.py", _) = $0 { true } else { false } }, "\(events)")
            #expect(events.contains { if case .forwardOpened(_, 8000, _) = $0 { true } else { false } }, "\(events)")
            let served = try #require(url, "the last event is the URL: \(events)")
            #expect(events.last?.lineText?.text.hasPrefix("demo: \(served.absoluteString) serves the sample (job 1 in web-demo-") == true)
            let (page, response) = try await URLSession(configuration: .ephemeral).data(from: served)
            #expect((response as? HTTPURLResponse)?.statusCode == 200 && String(decoding: page, as: UTF8.self) == "hello from the demo\n")
        } catch {
            Issue.record(error)
        }
        await session.shutdown()
        if let url {
            await #expect(throws: (any Error).self, "the forward closed with the session") {
                _ = try await URLSession(configuration: .ephemeral).data(from: url)
            }
        }
    }

    /// A server sample that ends before it listens: the demo fails saying so, and the port
    /// forward it opened is closed with it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"))
    func aServerThatEndsFirstFailsAndClosesItsForward() async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        let sample = config.appendingPathComponent("broken-sample")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try "raise SystemExit(3)\n".write(to: sample.appendingPathComponent("main.py"), atomically: true, encoding: .utf8)
        let session = try Self.serverDemoSession("broken-demo", sample: sample, config: config)
        let out = Recorder()
        let status = await session.perform(.demo("broken-demo"), output: out)
        let events = out.take()
        let forwards = await session.forwards.count
        await session.shutdown()
        #expect(status == 1, "\(events)")
        #expect("\(events.last.map { "\($0)" } ?? "")".contains("ended before it listened on port 8000 (exited 3)"), "\(events)")
        let opened = events.contains { if case .forwardOpened(_, 8000, _) = $0 { true } else { false } }
        let closed = events.contains { if case .forwardClosed(_, 8000) = $0 { true } else { false } }
        #expect(opened && closed && forwards == 0, "the forward closed before the session ended: \(events)")
    }

    /// A session whose runtimes file (in `config`) has `name`: the python image, `sample`, port 8000.
    static func serverDemoSession(_ name: String, sample: URL, config: URL) throws -> Session {
        let python = ProcessInfo.processInfo.environment["SANDBOX_TEST_PYTHON_IMAGE"] ?? "sandbox-test/python:3.11"
        let configs = try RuntimesFile.parse("[\(name)]\nimage = \"\(python)\"\nsample = \"\(sample.path)\"\nport = 8000\n",
                                             file: config.appendingPathComponent("runtimes.toml").path, base: RuntimeRegistry([]))
        return Session(engine: try SandboxEngine(), creator: .repl, runtimes: RuntimeRegistry(configs))
    }

    /// A sample directory whose main.py serves its index.html on port 8000.
    static func serverSample(in directory: URL) throws -> URL {
        let sample = directory.appendingPathComponent("web-sample")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try """
        import http.server, os
        os.chdir(os.path.dirname(os.path.abspath(__file__)))
        print("serving on port 8000", flush=True)
        http.server.ThreadingHTTPServer(("", 8000), http.server.SimpleHTTPRequestHandler).serve_forever()

        """.write(to: sample.appendingPathComponent("main.py"), atomically: true, encoding: .utf8)
        try "hello from the demo\n".write(to: sample.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        return sample
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
