import Foundation
import SandboxKit
import Testing
@testable import SandboxCommands

/// `new --on CONTEXT` from a session: the TLS dockerd of scripts/test/engines.sh as a context
/// made by the real docker CLI, with a warm pool of its own.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SessionEngineTests {
    static let certs = "/var/lib/sandbox-test/certs"

    static func configWithTLSContext() throws -> String {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("engines-\(UUID().uuidString)").path
        let docker = "host=tcp://127.0.0.1:23760,ca=\(certs)/ca.pem,cert=\(certs)/cert.pem,key=\(certs)/key.pem"
        try #require(system("DOCKER_CONFIG='\(config)' docker context create tls --docker '\(docker)' >/dev/null 2>&1") == 0)
        return config
    }

    @Test func newOnAnotherEngineNamesItThereAndPoolsThere() async throws {
        let config = try Self.configWithTLSContext()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let primary = try SandboxEngine()
        let session = Session(engine: primary, creator: .repl, pool: SandboxPool(size: 1),
                              engines: EngineSet(primary: primary, environment: ["DOCKER_CONFIG": config]))
        let out = SessionTests.Recorder()
        do {
            #expect(await session.perform(.new(SessionTests.image, on: "tls"), output: out) == 0)
            let first = try #require(await session.currentName)
            #expect(first.hasSuffix("@tls"))
            let events = out.take()
            guard case .created(first, _, fromPool: false)? = events.last else { throw Unexpected(events: out.all) }
            // That engine is reached over TCP: its sandboxes are not isolated, and `new` says why.
            #expect(events.contains { if case .notIsolated(first, let reason) = $0 { reason.contains("over the network") } else { false } },
                    "\(events)")
            let bare = String(first.dropLast("@tls".count))
            let remote = try await session.engines.engine(on: "tls").list().map(\.name)
            let local = try await primary.list().map(\.name)
            #expect(remote.contains(bare) && !local.contains(bare))

            // The first `new --on tls` made its pool; it refills there, and the next is warm.
            let deadline = ContinuousClock.now + .seconds(60)
            var warm = false
            while !warm, ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(2))  // a refill is one container start
                #expect(await session.perform(.new(SessionTests.image, on: "tls"), output: out) == 0)
                if case .created(_, _, fromPool: true)? = out.take().last { warm = true }
            }
            #expect(warm, "the tls engine's pool never handed a sandbox over")
            #expect(await session.perform(.stop(first), output: out) == 0, "NAME@CONTEXT names it for stop")
            #expect(await session.perform(.new(nil, on: "nowhere"), output: out) == 1)
            guard case .failed(let error)? = out.take().last else { throw Unexpected(events: out.all) }
            #expect("\(error)".contains("no Docker context named nowhere"))
        } catch {
            await session.shutdown()
            throw error
        }
        await session.shutdown()
    }

    /// A sandbox on tls and one of the same name on the main engine: jobs, forwards, ps and rm
    /// name the one meant (NAME@CONTEXT), and quitting still stops the one on tls.
    @Test func sameNameOnTwoEnginesIsTwoSandboxes() async throws {
        let config = try Self.configWithTLSContext()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let primary = try SandboxEngine()
        let session = Session(engine: primary, creator: .repl, engines: EngineSet(primary: primary, environment: ["DOCKER_CONFIG": config]))
        let out = SessionTests.Recorder()
        var near: DockerSandbox?, bare = ""
        do {
            #expect(await session.perform(.new(SessionTests.image, on: "tls"), output: out) == 0)
            let far = try #require(await session.currentName)
            bare = String(far.dropLast("@tls".count))
            let local = DockerSandbox(image: SessionTests.image, labels: ["sandbox.test": "true"], name: bare)
            near = local
            try await local.start()
            _ = out.take()

            #expect(await session.perform(.bg("sleep 300"), output: out) == 0)
            guard case .jobStarted(_, _, far)? = out.take().last else { throw Unexpected(events: out.all) }
            #expect(await session.perform(.port(8000, close: false), output: out) == 0)
            guard case .forwardOpened(far, 8000, let farLocal)? = out.take().last else { throw Unexpected(events: out.all) }
            #expect(await session.perform(.ps, output: out) == 0)
            guard case .listing(let listing)? = out.take().last else { throw Unexpected(events: out.all) }
            #expect(!listing.split(separator: "\n").contains { $0.hasPrefix("*") }, "the main engine's \(bare) is not the current one:\n\(listing)")

            #expect(await session.perform(.use(bare), output: out) == 0)
            #expect(await session.perform(.port(8000, close: false), output: out) == 0)
            guard case .forwardOpened(bare, 8000, let nearLocal)? = out.take().last else { throw Unexpected(events: out.all) }
            #expect(nearLocal != farLocal, "a forward of its own, not the tls sandbox's")

            #expect(await session.perform(.rm(bare), output: out) == 0)
            near = nil
        } catch {
            try? await near?.stop()
            await session.shutdown()
            throw error
        }
        try? await near?.stop()
        #expect(await session.currentName == nil, "rm of the current sandbox clears it")
        await session.shutdown()
        // Quitting stops what the session made: the tls one too, though rm took its namesake.
        let check = EngineSet(primary: primary, environment: ["DOCKER_CONFIG": config])
        let left = try? await check.engine(on: "tls").list().map(\.name)
        await check.shutdown()
        #expect(left?.contains(bare) == false, "\(bare)@tls outlived the session: \(left ?? [])")
    }

    struct Unexpected: Error { var events: [SessionEvent] }
}
