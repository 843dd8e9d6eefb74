import Foundation
import Testing
@testable import DockerEngine

/// Finding the daemon exactly as the docker CLI does.
@Suite struct DockerEndpointTests {
    /// A config directory with contexts made by the real docker CLI (`docker context create`).
    static func configWithContexts() throws -> String {
        let directory = NSTemporaryDirectory() + "sandbox-contexts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, docker) in [("remote", "host=tcp://10.1.2.3:2376"), ("insecure", "host=tcp://10.9.9.9:2376,skip-tls-verify=true"),
                               ("over-ssh", "host=ssh://me@build:2222")] {
            let status = system("DOCKER_CONFIG='\(directory)' docker context create \(name) --docker '\(docker)' >/dev/null 2>&1")
            try #require(status == 0, "docker context create \(name)")
        }
        return directory
    }

    @Test func theDockerCLIsOrderOfPrecedence() throws {
        let config = try Self.configWithContexts()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let env = ["DOCKER_CONFIG": config]
        #expect(try DockerEndpoint.resolve(environment: env).host == .unix(path: "/var/run/docker.sock"))
        // currentContext in config.json, then DOCKER_CONTEXT, then --context, then DOCKER_HOST, then --host.
        try #"{"auths": {}, "CurrentContext": "over-ssh"}"#.write(toFile: config + "/config.json", atomically: true, encoding: .utf8)
        #expect(try DockerEndpoint.resolve(environment: env).host == .ssh(user: "me", host: "build", port: 2222, socket: nil))
        let withContext = env.merging(["DOCKER_CONTEXT": "remote"]) { $1 }
        #expect(try DockerEndpoint.resolve(environment: withContext).host == .tcp(host: "10.1.2.3", port: 2376))
        #expect(try DockerEndpoint.resolve(context: "insecure", environment: withContext).host == .tcp(host: "10.9.9.9", port: 2376))
        let withHost = withContext.merging(["DOCKER_HOST": "tcp://127.0.0.1:2375"]) { $1 }
        #expect(try DockerEndpoint.resolve(context: "insecure", environment: withHost).host == .tcp(host: "127.0.0.1", port: 2375))
        #expect(try DockerEndpoint.resolve(host: "unix:///x.sock", environment: withHost).host == .unix(path: "/x.sock"))
        #expect(try DockerEndpoint.resolve(context: "default", environment: env).host == .unix(path: "/var/run/docker.sock"))
        #expect(throws: DockerError.self) { try DockerEndpoint.resolve(host: "unix:///x.sock", context: "remote", environment: env) }
        #expect(throws: DockerError.self) { try DockerEndpoint.resolve(context: "nope", environment: env) }
        #expect(try DockerEndpoint.resolve(context: "remote", environment: env).context == "remote")
    }

    @Test func everyContextIsListedWithDefaultFirst() throws {
        let config = try Self.configWithContexts()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let contexts = DockerEndpoint.contexts(environment: ["DOCKER_CONFIG": config])
        #expect(contexts.map(\.name) == ["default", "insecure", "over-ssh", "remote"])
        #expect(try contexts[0].endpoint.get() == DockerEndpoint(host: .unix(path: "/var/run/docker.sock"), context: "default"))
        #expect(try contexts[3].endpoint.get() == DockerEndpoint(host: .tcp(host: "10.1.2.3", port: 2376), context: "remote"))
        #expect(DockerEndpoint.contexts(environment: ["DOCKER_CONFIG": config + "/none"]).map(\.name) == ["default"])
    }

    @Test func contextTLSFilesAndSkipVerify() throws {
        let config = try Self.configWithContexts()
        defer { try? FileManager.default.removeItem(atPath: config) }
        // `docker context create … ca=,cert=,key=` copies them under contexts/tls/<sha256 of the name>/docker/.
        let certs = config + "/certs"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/test/certs.sh").standardized.path
        try #require(system("bash '\(script)' '\(certs)'") == 0, "the docker CLI takes real certificates only")
        let made = system("DOCKER_CONFIG='\(config)' docker context create tls --docker 'host=tcp://10.0.0.1:2376,ca=\(certs)/ca.pem,cert=\(certs)/cert.pem,key=\(certs)/key.pem' >/dev/null 2>&1")
        try #require(made == 0)
        let endpoint = try DockerEndpoint.resolve(context: "tls", environment: ["DOCKER_CONFIG": config])
        let tls = try #require(endpoint.tls)
        #expect(tls.verify && tls.ca?.contains("/contexts/tls/") == true && tls.cert != nil && tls.key != nil)
        #expect(try DockerEndpoint.resolve(context: "insecure", environment: ["DOCKER_CONFIG": config]).tls == nil, "no TLS files: plain")
    }

    /// A client certificate or key that is not one is said at the first request, naming the file.
    @Test func anUnreadableClientCertificateIsSaidByName() async throws {
        let certs = NSTemporaryDirectory() + "sandbox-bad-certs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: certs) }
        for file in ["cert.pem", "key.pem"] { try "not a pem".write(toFile: certs + "/" + file, atomically: true, encoding: .utf8) }
        let client = DockerClient(endpoint: DockerEndpoint(host: .tcp(host: "127.0.0.1", port: 9),
                                                           tls: .init(ca: nil, cert: certs + "/cert.pem", key: certs + "/key.pem", verify: false)))
        do {
            _ = try await client.apiVersion()
            Issue.record("a request went out with an unreadable certificate")
        } catch let error as DockerError {
            guard case .unreadableTLSFile(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == certs + "/cert.pem" && error.description.hasPrefix("cannot use the TLS file \(certs)/cert.pem"))
        }
        try await client.shutdown()
    }

    @Test func tlsFromTheEnvironment() throws {
        let certs = NSTemporaryDirectory() + "sandbox-certs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: certs) }
        for file in ["ca.pem", "cert.pem", "key.pem"] { try "x".write(toFile: certs + "/" + file, atomically: true, encoding: .utf8) }
        let env = ["DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs]
        let endpoint = try DockerEndpoint.resolve(environment: env)
        #expect(endpoint.tls == .init(ca: certs + "/ca.pem", cert: certs + "/cert.pem", key: certs + "/key.pem", verify: true))
        #expect(DockerClient.baseURL(endpoint, bridgeSocket: nil) == "https://127.0.0.1:2376")
        #expect(try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "tcp://127.0.0.1:2376"]).tls == nil)
        #expect(try DockerEndpoint.resolve(environment: ["DOCKER_HOST": "tcp://h:1", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": certs]).tls?.verify == false)
    }

    /// Go reads JSON keys without regard to case; a hand-written meta.json may differ from the CLI's.
    @Test func keysAreReadWithoutRegardToCase() throws {
        let config = NSTemporaryDirectory() + "sandbox-contexts-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: config) }
        let hashed = "1b001706a418bdfca35361355c643b7918572b8f9b7503f3043a6e23b45dce52"  // printf hand | sha256sum
        let meta = config + "/contexts/meta/\(hashed)"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        try #"{"name":"hand","endpoints":{"DOCKER":{"host":"tcp://1.2.3.4:5","skiptlsverify":true}}}"#
            .write(toFile: meta + "/meta.json", atomically: true, encoding: .utf8)
        #expect(try DockerEndpoint.resolve(context: "hand", environment: ["DOCKER_CONFIG": config]).host == .tcp(host: "1.2.3.4", port: 5))
    }
}
