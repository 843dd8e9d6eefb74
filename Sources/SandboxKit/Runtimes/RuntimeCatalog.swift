/// A runtime with what the daemon knows of it, for `sandbox runtimes`.
public struct RuntimeEntry: Sendable, Equatable, Codable {
    public var config: RuntimeConfig
    /// The image a sandbox of this runtime starts from (a cached build tag when it needs a build).
    public var image: String
    /// Whether that image is present locally.
    public var available: Bool
}

public enum RuntimeCatalog {
    public static func entries(registry: RuntimeRegistry = .standard, engine: SandboxEngine) async throws -> [RuntimeEntry] {
        var entries: [RuntimeEntry] = []
        for name in registry.names {
            let config = try registry.lookup(name)
            let image = config.image ?? RuntimeImage.tag(for: config)
            entries.append(RuntimeEntry(config: config, image: image, available: try await engine.hasImage(image)))
        }
        return entries
    }
}
