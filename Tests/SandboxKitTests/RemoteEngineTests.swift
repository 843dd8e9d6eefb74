import DockerEngine
import Foundation
import SandboxKit
import Testing

/// Engines past the local socket, started by scripts/test/engines.sh (`make test` does): a
/// dockerd taking TLS clients only on 127.0.0.1:23760, and sshd on 127.0.0.1:2222 in front of
/// the main dockerd.
@Suite(.timeLimit(.minutes(3)), .serialized) struct RemoteEngineTests {
    static let state = "/var/lib/sandbox-test"
    static let tlsEnvironment = ["DOCKER_HOST": "tcp://127.0.0.1:23760", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": state + "/certs"]

    /// Runs `body` with a client of its own, shut down however `body` ends (AsyncHTTPClient
    /// traps on a client that is dropped running).
    static func withClient(_ endpoint: DockerEndpoint, _ body: (DockerClient) async throws -> Void) async throws {
        let client = DockerClient(endpoint: endpoint)
        do { try await body(client) } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The seed examples' core on a client: a sandbox, a command, a file, a timeout.
    static func seedExamples(on client: DockerClient) async throws {
        let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
        do {
            #expect(try await sandbox.execute("echo hello from $(hostname)").output.hasPrefix("hello from "))
            try await sandbox.write("src/app.sh", "echo 6*7=$((6*7))\n")
            #expect(try await sandbox.execute("sh src/app.sh").output == "6*7=42\n")
            #expect(try await sandbox.readText("src/app.sh") == "echo 6*7=$((6*7))\n")
            #expect(try await sandbox.execute("sleep 30", timeout: .milliseconds(500)).exitCode == 124)
            try await sandbox.stop()
        } catch {
            try? await sandbox.stop()
            throw error
        }
    }

    @Test func tlsWithTheDockerCLIsVariables() async throws {
        try await Self.withClient(try DockerEndpoint.resolve(environment: Self.tlsEnvironment)) { client in
            try await Self.seedExamples(on: client)
        }
    }

    @Test func aWrongClientCertificateIsRefusedWithAClearMessage() async throws {
        var environment = Self.tlsEnvironment
        environment["DOCKER_CERT_PATH"] = Self.state + "/certs/wrong"
        try await Self.withClient(try DockerEndpoint.resolve(environment: environment)) { client in
            await #expect {
                _ = try await client.ping()
            } throws: { error in
                "\(error)".contains("TLS") && "\(error)".contains("tcp://127.0.0.1:23760")
            }
        }
    }

    @Test func plainHTTPToATLSDaemonSaysWhatToSet() async throws {
        try await Self.withClient(try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "tcp://127.0.0.1:23760"])) { client in
            await #expect {
                _ = try await client.ping()
            } throws: { error in
                "\(error)".contains("DOCKER_TLS_VERIFY")
            }
        }
    }

    @Test func sshRunsTheSeedExamplesThroughDialStdio() async throws {
        setenv("SANDBOX_SSH_CONFIG", Self.state + "/ssh/config", 1)
        try await Self.withClient(try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "ssh://sandbox-test-ssh"])) { client in
            try await Self.seedExamples(on: client)
        }
    }

    @Test func sshsOwnErrorIsReportedVerbatim() async throws {
        setenv("SANDBOX_SSH_CONFIG", Self.state + "/ssh/config", 1)
        try await Self.withClient(try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "ssh://sandbox-test-ssh-wrong-key"])) { client in
            await #expect {
                _ = try await client.ping()
            } throws: { error in
                "\(error)".contains("Permission denied (publickey)")
            }
        }
    }
}
