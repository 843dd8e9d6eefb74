import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// The console with two engines, the main daemon and the TLS dockerd of scripts/test/engines.sh
/// as a Docker context, one stopped mid-session. Serialized with the other console tests: it
/// stops the TLS dockerd (and starts it again on every path).
@MainActor @Suite(.serialized, .timeLimit(.minutes(5))) struct ConsoleEngineTests {
    static let busybox = ProcessInfo.processInfo.environment["SANDBOX_TEST_BUSYBOX_IMAGE"] ?? "sandbox-test/busybox:latest"
    static let certs = "/var/lib/sandbox-test/certs"
    static let engines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test/engines.sh").path

    struct ScriptFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// `engines.sh start-tls` or `stop-tls`; the script waits until it is done.
    static func tls(_ action: String) throws {
        let status = system("bash '\(engines)' \(action) >/dev/null")
        guard status == 0 else { throw ScriptFailed(description: "engines.sh \(action) failed (status \(status))") }
    }

    /// A config directory holding one context, "tls", made by the real docker CLI.
    static func configWithTLSContext() throws -> String {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("engines-\(UUID().uuidString)").path
        let docker = "host=tcp://127.0.0.1:23760,ca=\(certs)/ca.pem,cert=\(certs)/cert.pem,key=\(certs)/key.pem"
        let status = system("DOCKER_CONFIG='\(config)' docker context create tls --docker '\(docker)' >/dev/null 2>&1")
        guard status == 0 else { throw ScriptFailed(description: "docker context create tls failed (status \(status))") }
        return config
    }

    /// The list's header line of an engine, as drawn (`tls · tcp+TLS      connected`).
    static func header(_ engine: String, in screen: String) -> String {
        screen.split(separator: "\n").first { $0.contains("│\(engine) · ") }.map(String.init) ?? ""
    }

    static func connected(_ engine: EngineView?) -> Bool { if case .connected = engine?.connection { true } else { false } }
    static func down(_ engine: EngineView?) -> Bool { if case .down = engine?.connection { true } else { false } }

    @Test func theOtherEngineKeepsWorkingWhileOneIsStoppedAndItComesBack() async throws {
        try Self.tls("start-tls")
        let config = try Self.configWithTLSContext()
        defer { try? FileManager.default.removeItem(atPath: config) }
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_CONFIG"] = config
        let console = try ConsoleAppTests.Harness(environment: environment)
        let local = DockerSandbox(image: Self.busybox, labels: ["sandbox.test": "true"])
        await console.drive {
            try await console.until("both engines connected") { state, _ in
                state.engines.map(\.name) == ["default", "tls"] && state.engines.allSatisfy(Self.connected)
            }
            console.command("new --on tls \(Self.busybox)")
            try await console.until("a sandbox on tls", timeout: .seconds(60)) { state, _ in
                guard let current = state.current, current.hasSuffix("@tls") else { return false }
                return state.engines[1].sandboxes.contains { $0.name == current }
            }
            // A job there gets a tab that follows it on tls, named as the list names the sandbox.
            console.command("bg echo far-job-$((6*7)); sleep 300")
            try await console.until("the tls job's output in its tab", timeout: .seconds(60)) { state, _ in
                state.tabs.contains { tab in
                    tab.sandbox == state.current && tab.log.lines.contains { $0.map(\.text).joined() == "far-job-42" }
                }
            }
            // The tls group is the list's last: End shows it, however many sandboxes the main engine has.
            console.driver.press(.end)
            let far = try await console.until("the tls group in view") { state, screen in
                let header = Self.header("tls", in: screen)
                return header.contains("tcp+TLS") && header.contains(" connected│") && state.current.map(screen.contains) == true
            }
            print("two engines, both connected:\n\(far)")

            try Self.tls("stop-tls")
            do {
                let stopped = try await console.until("tls disconnected", timeout: .seconds(60)) { state, screen in
                    Self.down(state.engines[1]) && Self.header("tls", in: screen).contains(" disconnected│") && screen.contains("; retrying")
                }
                print("tls stopped:\n\(stopped)")
                #expect(Self.connected(console.state.engines[0]), "the main engine stays connected")
                try await local.start()
                try await console.until("a sandbox made on the main engine meanwhile", timeout: .seconds(60)) { state, _ in
                    state.sandboxes.contains { $0.name == local.name }
                }
                #expect(Self.down(console.state.engines[1]))
            } catch {
                try? Self.tls("start-tls")
                throw error
            }

            try Self.tls("start-tls")
            let back = try await console.until("tls back by itself", timeout: .seconds(60)) { state, screen in
                Self.connected(state.engines[1]) && Self.header("tls", in: screen).contains(" connected│")
            }
            print("tls restarted:\n\(back)")
        }
        try? await local.stop()
    }
}
