import DockerEngine
import Foundation
import Synchronization

/// The engines a long-lived front end talks to: the one this process resolved (``primary``), and
/// every other Docker context (`docker context ls`), each with a client of its own made when first
/// used. A sandbox on another engine is named `NAME@CONTEXT` (container names cannot hold `@`).
/// Whoever owns it calls ``shutdown()``: AsyncHTTPClient traps on a client dropped while running.
public final class EngineSet: Sendable {
    /// A context: its name, and its endpoint or why it could not be read.
    public struct Member: Sendable {
        public let name: String
        public let endpoint: Result<DockerEndpoint, SandboxError>
    }

    public let primary: SandboxEngine
    /// The primary engine's context: its own, else the context reaching the same daemon
    /// ("default" for the default socket), else "host" (`--host` or `DOCKER_HOST` elsewhere).
    public let primaryName: String
    /// Every engine, the primary first, then the other contexts by name; a context reaching a daemon
    /// already listed is left out (its sandboxes would be listed twice) and names that one instead.
    public let members: [Member]
    /// Contexts left out of ``members``, by name: the member reaching the same daemon.
    private let aliases: [String: String]
    private let others = Mutex<(engines: [String: SandboxEngine], closed: Bool)>(([:], false))

    public init(primary: SandboxEngine, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.primary = primary
        let contexts = DockerEndpoint.contexts(environment: environment).map { context in
            // A context is read into a DockerError; anything else is worded as it came.
            Member(name: context.name, endpoint: context.endpoint.mapError { ($0 as? DockerError).map(SandboxError.docker) ?? .invalidArgument("\($0)") })
        }
        let own = primary.client.endpoint
        let primaryName = own.context ?? contexts.first { (try? $0.endpoint.get().host) == own.host }?.name
            ?? Self.unused("host", among: contexts.map(\.name))
        self.primaryName = primaryName
        var members = [Member(name: primaryName, endpoint: .success(own))], aliases: [String: String] = [:]
        for context in contexts where context.name != primaryName {
            if case .success(let endpoint) = context.endpoint,
               let same = members.first(where: { (try? $0.endpoint.get().host) == endpoint.host }) {
                aliases[context.name] = same.name
            } else {
                members.append(context)
            }
        }
        (self.members, self.aliases) = (members, aliases)
    }

    /// `name`, or `name-2`, `name-3`… when a context is called that already.
    private static func unused(_ name: String, among names: [String]) -> String {
        var candidate = name, next = 2
        while names.contains(candidate) {
            candidate = "\(name)-\(next)"
            next += 1
        }
        return candidate
    }

    /// The engine of a context; nil (or the primary's name) is the primary.
    public func engine(on context: String?) throws -> SandboxEngine {
        let context = context.map { aliases[$0] ?? $0 }
        guard let context, context != primaryName else { return primary }
        guard let member = members.first(where: { $0.name == context }) else {
            throw SandboxError.invalidArgument("no Docker context named \(context) (known: \(members.map(\.name).joined(separator: ", ")); docker context ls lists them)")
        }
        let endpoint = try member.endpoint.get()
        return try others.withLock { others in
            if let engine = others.engines[context] { return engine }
            guard !others.closed else { throw SandboxError.invalidArgument("the engines are shut down") }
            let engine = try SandboxEngine(client: DockerClient(endpoint: endpoint))
            others.engines[context] = engine
            return engine
        }
    }

    /// A sandbox's engine, its own name there, and its context as listed (nil for the primary).
    public func locate(_ text: String) throws -> (engine: SandboxEngine, name: String, context: String?) {
        let (name, context) = try Self.split(text)
        let engine = try engine(on: context)
        return (engine, name, engine === primary ? nil : context.map { aliases[$0] ?? $0 })
    }

    /// A handle on an existing sandbox named `NAME` or `NAME@CONTEXT`, with its context.
    public func sandbox(named text: String) async throws -> (sandbox: DockerSandbox, context: String?) {
        let (engine, name, context) = try locate(text)
        return (try await engine.sandbox(named: name), context)
    }

    /// `NAME@CONTEXT` for a sandbox on another engine than the primary, else `NAME`.
    public static func qualified(_ name: String, context: String?) -> String {
        context.map { "\(name)@\($0)" } ?? name
    }

    /// `NAME` or `NAME@CONTEXT`: the last `@` separates them, since container names cannot hold one.
    public static func split(_ text: String) throws -> (name: String, context: String?) {
        guard let at = text.lastIndex(of: "@") else { return (text, nil) }
        let name = String(text[..<at]), context = String(text[text.index(after: at)...])
        guard !name.isEmpty, !context.isEmpty else { throw SandboxError.invalidArgument("expected NAME or NAME@CONTEXT, got '\(text)'") }
        return (name, context)
    }

    /// Closes the clients made for other contexts (the primary's is not ours).
    public func shutdown() async {
        let engines = others.withLock { others in
            others.closed = true
            defer { others.engines = [:] }
            return Array(others.engines.values)
        }
        for engine in engines { try? await engine.client.shutdown() }
    }
}

extension DockerEndpoint {
    /// The kind of endpoint, for a list's engine header: `unix`, `tcp`, `tcp+TLS` or `ssh`.
    public var kind: String {
        switch host {
        case .unix: "unix"
        case .tcp: tls == nil ? "tcp" : "tcp+TLS"
        case .ssh: "ssh"
        }
    }
}
