import DockerEngine
import Foundation

/// Network access for a sandbox.
public enum NetworkMode: String, Sendable, Codable, CaseIterable {
    /// The default bridge network.
    case on
    /// No network interface but loopback.
    case none
}

/// Which front end made a sandbox, recorded as a label so the TUI can show it.
public enum Creator: String, Sendable, Codable, CaseIterable {
    case library, cli, repl, tui, agent
}

/// Hardening applied to every sandbox container unless the caller relaxes it.
public struct SecurityProfile: Sendable, Hashable {
    public var noNewPrivileges = true
    /// Everything else is dropped; these are what package installs and file ownership need.
    public var capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETUID", "SETGID", "KILL", "NET_BIND_SERVICE"]
    public var pidsLimit: Int64? = 512
    /// Another OCI runtime, such as gVisor's `runsc`; nil uses the daemon's default.
    public var ociRuntime: String?

    public init() {}

    /// Docker's defaults: no dropped capabilities, no pids limit.
    public static let relaxed: SecurityProfile = {
        var profile = SecurityProfile()
        profile.noNewPrivileges = false
        profile.capabilities = []
        profile.pidsLimit = nil
        return profile
    }()
    public static let hardened = SecurityProfile()
}

/// Labels that mark and describe our containers.
public enum SandboxLabel {
    public static let managed = "sandbox.managed"
    public static let id = "sandbox.id"
    public static let image = "sandbox.image"
    public static let runtime = "sandbox.runtime"
    public static let creator = "sandbox.created-by"
    public static let client = "sandbox.client"
    public static let workDir = "sandbox.workdir"
    /// On a pool's waiting sandboxes: the pid of the process whose pool made it.
    public static let poolOwner = "sandbox.pool-owner"
}

/// Parses sizes such as `512m`, `2g`, `1048576`.
enum ByteSize {
    static func parse(_ text: String) -> Int64? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("gib", 1 << 30), ("mib", 1 << 20), ("kib", 1 << 10), ("gb", 1 << 30), ("mb", 1 << 20),
                                        ("kb", 1 << 10), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10), ("b", 1)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let value = Double(lower.dropLast(suffix.count)), value > 0 else { return nil }
            return Int64(value * Double(factor))
        }
        return Int64(lower).flatMap { $0 > 0 ? $0 : nil }
    }
}
