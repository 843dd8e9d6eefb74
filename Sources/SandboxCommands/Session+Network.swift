import Foundation
import SandboxKit

/// `allow`, `deny` and `egress` on the current sandbox.
extension Session {
    func network(_ command: Command, output: some SessionOutput) async throws {
        let (sandbox, _) = try await currentSandbox(output)
        switch command {
        case .allow(let rules), .deny(let rules):
            var policy = try await sandbox.currentPolicy()
            for rule in rules {
                policy = try await command.name == "allow" ? sandbox.allow(rule) : sandbox.deny(rule)
            }
            output.handle(.listing(Format.policy(policy) + "\n"))
        case .egress:
            output.handle(.listing(Format.egress(sandbox.egressRecords().records)))
        default:
            break
        }
    }
}
