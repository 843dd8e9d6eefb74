import ArgumentParser
import SandboxCommands
import SandboxKit

/// `sandbox allow` and `sandbox deny`: a running sandbox's network rules, changed in place.
struct Allow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Let a running sandbox reach more: a rule of its allow-list, or an exception to its isolation (in force when this returns).",
        usage: "sandbox allow NAME HOST[:PORT]...")
    @OptionGroup var change: PolicyChange

    func run() async throws { try await change.apply(allowing: true) }
}

struct Deny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deny a running sandbox a destination, before anything its rules allow (in force when this returns).",
        usage: "sandbox deny NAME HOST[:PORT]...")
    @OptionGroup var change: PolicyChange

    func run() async throws { try await change.apply(allowing: false) }
}

/// What `allow` and `deny` take: the sandbox and the rules.
struct PolicyChange: ParsableArguments {
    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "The rules: a name or *.domain (allow-lists), an IPv4 address or CIDR, with :PORT or not.") var rules: [String]

    func validate() throws {
        guard !rules.isEmpty else { throw ValidationError("give at least one HOST[:PORT]") }
        for rule in rules {
            do { _ = try EgressRule(parsing: rule) } catch { throw ValidationError(error.description) }
        }
    }

    func apply(allowing: Bool) async throws {
        let sandbox = try await EngineChoice.sandbox(name)
        var policy = NetworkPolicy.isolated
        for rule in rules {
            let parsed = try EgressRule(parsing: rule)
            policy = try await allowing ? sandbox.allow(parsed) : sandbox.deny(parsed)
        }
        Terminal.out(Format.policy(policy) + "\n")
    }
}
