import Foundation
import SandboxKit

extension Format {
    /// One line: what a sandbox may reach now.
    public static func policy(_ policy: NetworkPolicy) -> String {
        var parts = [policy.isAllowList ? "allow-list: " + policy.allow.map(\.description).joined(separator: ", ") : "isolated"]
        if !policy.exceptions.isEmpty { parts.append("also allowed: " + policy.exceptions.map(\.description).joined(separator: ", ")) }
        if !policy.deny.isEmpty { parts.append("denied: " + policy.deny.map(\.description).joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    /// A sandbox's egress record, a line each (its text made safe to print), or a line saying there is none.
    public static func egress(_ records: [EgressRecord]) -> String {
        records.isEmpty ? "nothing denied is recorded\n" : records.map { $0.line + "\n" }.joined()
    }
}
