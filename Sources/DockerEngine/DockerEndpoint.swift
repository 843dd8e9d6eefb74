import Crypto
import Foundation
import Synchronization

/// A daemon to talk to and how: its address, TLS files, and the context it came from. Found the
/// way the docker CLI finds it, so `sandbox` talks to the engine `docker` talks to.
public struct DockerEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: DockerHost
    public var tls: TLSFiles?
    /// The context it came from; nil for `--host`, `DOCKER_HOST` and the default socket.
    public var context: String?

    public struct TLSFiles: Sendable, Equatable {
        public var ca: String?
        public var cert: String?
        public var key: String?
        /// Whether the daemon's certificate is checked against `ca` (`DOCKER_TLS_VERIFY`, or a context without `SkipTLSVerify`).
        public var verify: Bool
        public init(ca: String?, cert: String?, key: String?, verify: Bool) { (self.ca, self.cert, self.key, self.verify) = (ca, cert, key, verify) }
    }

    public init(host: DockerHost, tls: TLSFiles? = nil, context: String? = nil) { (self.host, self.tls, self.context) = (host, tls, context) }

    public var description: String {
        var text = host.description
        if let tls { text += tls.verify ? " (TLS, verified)" : " (TLS, not verified)" }
        if let context { text = "context \(context): " + text }
        return text
    }

    /// What `--host`/`-H` and `--context` said on this program's command line; front ends set it
    /// before the first client is made.
    public static let commandLine = Mutex<(host: String?, context: String?)>((nil, nil))

    /// The docker CLI's order: `--host`, `DOCKER_HOST`, `--context`, `DOCKER_CONTEXT`, the
    /// `currentContext` of `config.json` (in `DOCKER_CONFIG`, else `~/.docker`), else the default socket.
    public static func resolve(host flagHost: String? = nil, context flagContext: String? = nil,
                               environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> DockerEndpoint {
        if flagHost != nil, flagContext != nil {
            throw DockerError.invalidHost("--host and --context", reason: "give one of them, not both (as with docker)")
        }
        let configDirectory = configDirectory(env)
        if let value = flagHost ?? env["DOCKER_HOST"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return DockerEndpoint(host: try DockerHost.parse(value), tls: tlsFromEnvironment(env, configDirectory: configDirectory))
        }
        let named = flagContext ?? env["DOCKER_CONTEXT"].flatMap { $0.isEmpty ? nil : $0 } ?? currentContext(in: configDirectory)
        guard let named, named != "default" else { return DockerEndpoint(host: .unix(path: DockerHost.defaultSocket)) }
        return try context(named, configDirectory: configDirectory)
    }

    /// Every context, as `docker context ls` lists them: "default" (the default socket) first, then
    /// those in `contexts/meta/` by name; one that cannot be read carries its error.
    public static func contexts(environment env: [String: String] = ProcessInfo.processInfo.environment)
        -> [(name: String, endpoint: Result<DockerEndpoint, any Error>)] {
        let configDirectory = configDirectory(env)
        let metaDirectory = configDirectory + "/contexts/meta"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: metaDirectory)) ?? []).compactMap { digest -> String? in
            guard let data = FileManager.default.contents(atPath: metaDirectory + "/\(digest)/meta.json"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return (value(object, "Name") as? String).flatMap { $0.isEmpty || $0 == "default" ? nil : $0 }
        }
        let defaultEndpoint = DockerEndpoint(host: .unix(path: DockerHost.defaultSocket), context: "default")
        return [("default", .success(defaultEndpoint))] + names.sorted().map { name in
            (name, Result { try context(name, configDirectory: configDirectory) })
        }
    }

    /// `DOCKER_CONFIG`, else `~/.docker`.
    static func configDirectory(_ env: [String: String]) -> String {
        env["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.docker")
    }

    /// `DOCKER_TLS_VERIFY` (verify the daemon) or `DOCKER_TLS` (encrypt only), with `ca.pem`,
    /// `cert.pem` and `key.pem` from `DOCKER_CERT_PATH` (else the config directory).
    static func tlsFromEnvironment(_ env: [String: String], configDirectory: String) -> TLSFiles? {
        let verify = !(env["DOCKER_TLS_VERIFY"] ?? "").isEmpty
        guard verify || !(env["DOCKER_TLS"] ?? "").isEmpty else { return nil }
        let directory = env["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? configDirectory
        return files(in: directory, verify: verify)
    }

    private static func files(in directory: String, verify: Bool) -> TLSFiles {
        func existing(_ name: String) -> String? {
            let path = directory + "/" + name
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        return TLSFiles(ca: existing("ca.pem"), cert: existing("cert.pem"), key: existing("key.pem"), verify: verify)
    }

    static func currentContext(in configDirectory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: configDirectory + "/config.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (value(object, "currentContext") as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A context made by `docker context create`: `contexts/meta/<sha256 of name>/meta.json`, and
    /// its TLS files under `contexts/tls/<sha256 of name>/docker/`.
    static func context(_ name: String, configDirectory: String) throws -> DockerEndpoint {
        let digest = SHA256.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined()
        let meta = configDirectory + "/contexts/meta/\(digest)/meta.json"
        guard let data = FileManager.default.contents(atPath: meta) else {
            throw DockerError.invalidHost("context \(name)", reason: "no such context (\(meta) is missing; `docker context ls` lists them)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let endpoints = value(object, "Endpoints") as? [String: Any],
              let docker = value(endpoints, "docker") as? [String: Any],
              let host = value(docker, "Host") as? String, !host.isEmpty
        else { throw DockerError.invalidHost("context \(name)", reason: "\(meta) names no Docker endpoint") }
        let tlsDirectory = configDirectory + "/contexts/tls/\(digest)/docker"
        let skipVerify = (value(docker, "SkipTLSVerify") as? Bool) ?? false
        let tls = FileManager.default.fileExists(atPath: tlsDirectory) ? files(in: tlsDirectory, verify: !skipVerify) : nil
        return DockerEndpoint(host: try DockerHost.parse(host), tls: tls, context: name)
    }

    /// Go's encoding/json matches keys without regard to case; so must we.
    private static func value(_ object: [String: Any], _ key: String) -> Any? {
        object[key] ?? object.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }
}
