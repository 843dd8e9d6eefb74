import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// What a sandbox is created from once its runtime is resolved.
struct ResolvedImage: Sendable {
    var image: String
    var env: [String: String]
    var runtimeName: String?
}

/// A step of a runtime image build, for progress bars and output panes.
public struct BuildProgress: Sendable, Equatable {
    public var runtime: String
    /// "Step n/m" (Podman: "STEP n/m") as the daemon numbers them, when known.
    public var step: Int?
    public var totalSteps: Int?
    public var line: String

    public init(runtime: String, step: Int? = nil, totalSteps: Int? = nil, line: String) {
        (self.runtime, self.step, self.totalSteps, self.line) = (runtime, step, totalSteps, line)
    }
}

/// Builds runtime images from a generated Dockerfile, caching them by a hash of the config.
enum RuntimeImage {
    static let repository = "sandbox-runtime"

    /// The tag for a config: its name and a hash of everything that affects the image.
    static func tag(for config: RuntimeConfig) -> String {
        "\(repository)/\(config.name.lowercased().filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }):\(hash(dockerfile(for: config)))"
    }

    static func dockerfile(for config: RuntimeConfig) -> String {
        var lines = ["FROM \(config.baseImage ?? "python:3.12-slim")"]
        for (key, value) in config.envVars.sorted(by: { $0.key < $1.key }) {
            lines.append("ENV \(key)=\(jsonString(value))")
        }
        for command in config.setupCommands { lines.append("RUN \(command)") }
        if !config.packages.isEmpty {
            let packages = config.packages.map(ShellQuote.quote).joined(separator: " ")
            switch config.packageManager {
            case .pip: lines.append("RUN pip install --no-cache-dir \(packages)")
            case .npm: lines.append("RUN mkdir -p \(ShellQuote.quote(config.workDir)) && cd \(ShellQuote.quote(config.workDir)) && npm install --no-audit --no-fund \(packages)")
            case .apt: lines.append("RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \(packages) && rm -rf /var/lib/apt/lists/*")
            }
        }
        lines.append("WORKDIR \(config.workDir)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Builds the image unless a matching tag exists. Concurrent requests for one tag share a build.
    static func ensure(_ config: RuntimeConfig, client: DockerClient, rebuild: Bool,
                       progress: @escaping @Sendable (BuildProgress) -> Void) async throws -> String {
        let tag = tag(for: config)
        if !rebuild, try await client.inspectImage(tag) != nil { return tag }
        return try await BuildCoordinator.shared.build(tag: tag, on: client.host.description) {
            try await build(config, tag: tag, client: client, noCache: rebuild, progress: progress)
        }
    }

    private static func build(_ config: RuntimeConfig, tag: String, client: DockerClient, noCache: Bool,
                              progress: @escaping @Sendable (BuildProgress) -> Void) async throws -> String {
        let context = Tar.archive([TarEntry(path: "Dockerfile", data: ByteBuffer(string: dockerfile(for: config)))])
        let log = BuildLog(runtime: config.name, progress: progress)
        do {
            _ = try await client.build(context: context, tag: tag, noCache: noCache,
                                       labels: [SandboxLabel.managed: "true", SandboxLabel.runtime: config.name]) { log.record($0) }
        } catch DockerError.api(_, let message) {
            throw SandboxError.buildFailed(runtime: config.name, step: log.currentStep ?? "the build", output: log.tail(plus: message))
        } catch DockerError.notFound(let message) {
            throw SandboxError.buildFailed(runtime: config.name, step: "FROM \(config.baseImage ?? "")", output: message)
        }
        return tag
    }

    static func hash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(String(hash, radix: 16).reversed()).padding(toLength: 16, withPad: "0", startingAt: 0)
    }


    private static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

/// Collects a build's output: the current step, and the last lines for an error message.
private final class BuildLog: Sendable {
    let runtime: String
    let progress: @Sendable (BuildProgress) -> Void
    private let state = Mutex<(step: String?, lines: [String])>((nil, []))

    init(runtime: String, progress: @escaping @Sendable (BuildProgress) -> Void) {
        (self.runtime, self.progress) = (runtime, progress)
    }

    var currentStep: String? { state.withLock { $0.step } }

    func record(_ message: JSONMessage) {
        guard let text = message.stream ?? message.status else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            var step: Int?, total: Int?
            // Docker's classic builder says "Step 2/4 : RUN …"; Podman's (Buildah) "STEP 2/4: RUN …".
            if line.hasPrefix("Step ") || line.hasPrefix("STEP "), let slash = line.firstIndex(of: "/") {
                step = Int(line.dropFirst(5).prefix { $0.isNumber })
                total = Int(line[line.index(after: slash)...].prefix { $0.isNumber })
                state.withLock { $0.step = line }
            }
            state.withLock { state in
                state.lines.append(line)
                if state.lines.count > 20 { state.lines.removeFirst(state.lines.count - 20) }
            }
            progress(BuildProgress(runtime: runtime, step: step, totalSteps: total, line: line))
        }
    }

    func tail(plus error: String) -> String {
        (state.withLock { $0.lines.suffix(10) } + [error]).joined(separator: "\n")
    }
}

/// Makes two sandboxes that need the same runtime image on one daemon at once wait for a single
/// build; the same tag on another daemon is another build (the image is made there too).
actor BuildCoordinator {
    static let shared = BuildCoordinator()
    private struct Key: Hashable {
        var tag: String
        var daemon: String
    }
    private var inFlight: [Key: Task<String, any Error>] = [:]

    /// `daemon` says which engine builds (its address).
    func build(tag: String, on daemon: String, _ work: @escaping @Sendable () async throws -> String) async throws -> String {
        let key = Key(tag: tag, daemon: daemon)
        if let running = inFlight[key] { return try await running.value }
        let task = Task { try await work() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        return try await task.value
    }
}
