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
    /// On a pool's waiting sandboxes: the ``SandboxPool/ownerID`` of the pool that made it.
    public static let poolOwner = "sandbox.pool-owner"
    /// How its network is kept in (``Isolation``), and why when it is `open`.
    public static let isolation = "sandbox.isolation"
    public static let openReason = "sandbox.isolation-note"
    /// Its ``NetworkPolicy`` as JSON, when it is not the default.
    public static let policy = "sandbox.network-policy"
    /// Its ``SandboxUser``, when one was asked for.
    public static let user = "sandbox.user"
}

/// Parses sizes such as `512m`, `1.5g`, `2GiB` or `1048576` with checked integer arithmetic: nil for
/// anything else, for zero, and for sizes past what Int64 holds (`infg` or `1e30g` never trap).
public enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("gib", 1 << 30), ("mib", 1 << 20), ("kib", 1 << 10), ("gb", 1 << 30), ("mb", 1 << 20),
                                        ("kb", 1 << 10), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10), ("b", 1)]
        let unit = units.first { lower.hasSuffix($0.0) }
        let number = lower.dropLast(unit?.0.count ?? 0)
        let factor = unit?.1 ?? 1
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        // Nine decimals are finer than a byte of a GiB; more is a typo, not a size.
        guard !(whole.isEmpty && fraction.isEmpty), fraction.count <= 9,
              let wholeValue = digits(whole), let fractionValue = digits(fraction) else { return nil }
        let scale = Int64((0..<fraction.count).reduce(1) { value, _ in value * 10 })
        let (bytes, overflow) = wholeValue.multipliedReportingOverflow(by: factor)
        // fractionValue < 10^9 and factor ≤ 2^30: the product fits.
        let (total, carry) = bytes.addingReportingOverflow(fractionValue * factor / scale)
        guard !overflow, !carry, total > 0 else { return nil }
        return total
    }

    /// ASCII decimal digits as a number; nil for any other character or on overflow. Empty is 0.
    private static func digits(_ text: Substring) -> Int64? {
        var value: Int64 = 0
        for character in text {
            guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }
}
