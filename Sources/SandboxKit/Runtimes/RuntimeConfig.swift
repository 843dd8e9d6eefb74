/// A runtime: either a ready image, or a base image plus packages and setup built into a cached image.
public struct RuntimeConfig: Sendable, Equatable, Hashable, Codable {
    public enum PackageManager: String, Sendable, Codable, CaseIterable { case pip, npm, apt }

    public var name: String
    public var description: String
    public var image: String?
    public var baseImage: String?
    public var packages: [String]
    public var packageManager: PackageManager
    public var setupCommands: [String]
    public var envVars: [String: String]
    public var workDir: String
    /// The sample `sandbox demo` opens and runs: a file or a directory on this machine (absolute);
    /// nil for the shipped `examples/NAME/`.
    public var sample: String?
    /// The port the sample serves on, when it is a server: `demo` runs it as a job and forwards it.
    public var samplePort: Int?
    /// Where its sandboxes may connect to (`allow` and `add_hosts` in runtimes.toml); a caller's
    /// own rules are added to these (``RuntimeRegistry/policy(of:adding:)``).
    public var policy: NetworkPolicy
    /// Whom its sandboxes' commands run as (`user` in runtimes.toml); a caller's `--user` wins.
    public var user: SandboxUser?

    public init(name: String, description: String = "", image: String? = nil, baseImage: String? = nil,
                packages: [String] = [], packageManager: PackageManager = .pip, setupCommands: [String] = [],
                envVars: [String: String] = [:], workDir: String = "/workspace", sample: String? = nil,
                samplePort: Int? = nil, policy: NetworkPolicy = .isolated, user: SandboxUser? = nil) {
        self.name = name
        self.description = description
        self.image = image
        self.baseImage = baseImage
        self.packages = packages
        self.packageManager = packageManager
        self.setupCommands = setupCommands
        self.envVars = envVars
        self.workDir = workDir
        self.sample = sample
        self.samplePort = samplePort
        self.policy = policy
        self.user = user
    }

    /// True when the runtime needs an image built from `baseImage`.
    public var needsBuild: Bool { image == nil }
}

/// A runtime given by name (a built-in or one from the runtimes file) or spelled out.
public enum RuntimeReference: Sendable, Hashable, ExpressibleByStringLiteral {
    case named(String)
    case config(RuntimeConfig)

    public init(stringLiteral value: String) { self = .named(value) }
}
