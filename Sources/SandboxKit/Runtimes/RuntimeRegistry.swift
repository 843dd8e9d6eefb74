import Foundation

/// The runtimes a sandbox can be asked for by name: the built-ins, overridden or extended by the
/// user's runtimes file.
public struct RuntimeRegistry: Sendable {
    public private(set) var runtimes: [String: RuntimeConfig]

    public init(_ runtimes: [RuntimeConfig]) {
        self.runtimes = Dictionary(runtimes.map { ($0.name, $0) }) { _, last in last }
    }

    /// The built-ins, as in the Python library.
    public static let builtIn: [RuntimeConfig] = [
        RuntimeConfig(name: "python-minimal", description: "Python 3.12, nothing else", image: "python:3.12-slim"),
        RuntimeConfig(name: "python-datascience", description: "Python 3.12 with pandas, numpy, matplotlib, scikit-learn, seaborn",
                      baseImage: "python:3.12-slim", packages: ["pandas", "numpy", "matplotlib", "scikit-learn", "seaborn"]),
        RuntimeConfig(name: "python-web", description: "Python 3.12 with fastapi, uvicorn, sqlalchemy, httpx",
                      baseImage: "python:3.12-slim", packages: ["fastapi", "uvicorn", "sqlalchemy", "httpx"], samplePort: 8000),
        RuntimeConfig(name: "node-minimal", description: "Node.js 20, nothing else", image: "node:20-slim", workDir: "/app"),
        RuntimeConfig(name: "node-react", description: "Node.js 20 with typescript, vite, react, react-dom, @types/react",
                      baseImage: "node:20-slim", packages: ["typescript", "vite", "react", "react-dom", "@types/react"],
                      packageManager: .npm, workDir: "/app"),
    ]

    /// Built-ins plus the user's runtimes file, read once per process. A broken file is
    /// reported in ``standardProblem`` and leaves the built-ins usable.
    public static let standard: RuntimeRegistry = loaded.registry
    public static var standardProblem: RuntimesFile.Problem? { loaded.problem }
    private static let loaded = RuntimesFile.load()

    public var names: [String] { runtimes.keys.sorted() }

    public func lookup(_ name: String) throws -> RuntimeConfig {
        guard let config = runtimes[name] else { throw SandboxError.unknownRuntime(name, known: names) }
        return config
    }

    public func resolve(_ reference: RuntimeReference) throws -> RuntimeConfig {
        switch reference {
        case .named(let name): try lookup(name)
        case .config(let config): config
        }
    }

    /// Whom a runtime's sandboxes run as, when it says.
    func user(of reference: RuntimeReference?) -> SandboxUser? {
        guard let reference, let config = try? resolve(reference) else { return nil }
        return config.user
    }

    func workDir(of reference: RuntimeReference?) -> String? {
        guard let reference, let config = try? resolve(reference) else { return nil }
        return config.workDir
    }

    /// A sandbox's policy: the runtime's rules and host names with the caller's added (a caller's
    /// `--add-host` for a name the runtime also gives wins). Each side names its own hosts, so the
    /// sum resolves whenever both do; adding a sum to the runtime again changes nothing.
    public func policy(of reference: RuntimeReference?, adding caller: NetworkPolicy) -> NetworkPolicy {
        guard let reference, let runtime = try? resolve(reference).policy, runtime != .isolated else { return caller }
        let named = Set(caller.hosts.map(\.name))
        return NetworkPolicy(allow: runtime.allow + caller.allow.filter { !runtime.allow.contains($0) },
                             hosts: runtime.hosts.filter { !named.contains($0.name) } + caller.hosts)
    }

    public mutating func add(_ config: RuntimeConfig) { runtimes[config.name] = config }
}
