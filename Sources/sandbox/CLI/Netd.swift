import ArgumentParser
import SandboxKit

/// The egress guard of allow-list sandboxes, started by the engine itself (not a command people type).
struct Netd: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve allow-list sandboxes' DNS and web proxy on the host (started by the engine when needed).",
        shouldDisplay: false)

    @Option(help: "The allow-list bridge's address, where sandboxes reach the guard.") var gateway: String

    func run() throws {
        guard let address = IPv4Address(parsing: gateway) else { throw ValidationError("--gateway takes an IPv4 address, got '\(gateway)'") }
        try EgressGuard(gateway: address).run()
    }
}
