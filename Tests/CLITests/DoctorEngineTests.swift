import Foundation
import Testing

/// `sandbox doctor` names the engine it talks to, its version and the OCI runtimes it offers:
/// dockerd with gVisor's runsc registered, and Podman's service (scripts/test/engines.sh).
@Suite(.timeLimit(.minutes(3))) struct DoctorEngineTests {
    @Test func doctorNamesDockerdAndItsRuntimes() throws {
        let result = try run(["doctor"])
        #expect(result.stdout.contains("engine:  Docker Engine "), "\(result)")
        let runtimes = result.stdout.split(separator: "\n").first { $0.hasPrefix("OCI runtimes: ") } ?? ""
        #expect(runtimes.contains("runc (default)") && runtimes.contains("runsc"), "\(result)")
    }

    @Test func doctorNamesPodmanAndSaysItsRuntimesAreOnlyNamed() throws {
        let result = try run(["doctor"], environment: ["DOCKER_HOST": "unix:///run/sandbox-test-podman.sock"])
        #expect(result.stdout.contains("daemon:  unix:///run/sandbox-test-podman.sock — reachable"), "\(result)")
        #expect(result.stdout.contains("engine:  Podman Engine 4."), "\(result)")
        #expect(result.stdout.contains("(named in containers.conf; some may not be installed)"), "\(result)")
    }
}
