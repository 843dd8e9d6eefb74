import Foundation
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// `new` with a network policy through a session against the real daemon, and the completion of
/// the row's options.
extension SessionTests {
    @Test func newWithAnAllowListMakesThatSandbox() async throws {
        try await withSession { session, out in
            let policy = try NetworkPolicy(allow: ["db.internal:5432"], hosts: ["db.internal:10.1.2.3"])
            #expect(await session.perform(.new(Self.image, policy: policy), output: out) == 0)
            guard case .created(let name, _, _) = out.take().last else { Issue.record("no .created"); return }
            let sandbox = try #require(await session.current)
            #expect(sandbox.policy == policy)
            #expect(await sandbox.isolation()?.0 == .allowList, "this machine's engine enforces policies")
            let hosts = try await sandbox.execute("cat /etc/hosts")
            #expect(hosts.output.contains("10.1.2.3") && hosts.output.contains("db.internal"), "\(hosts.output)")
            // The list (ps) has it typed.
            let listed = try #require(try await session.engine.list().first { $0.name == name })
            #expect(listed.isolation == .allowList && listed.openReason == nil)
            #expect(Format.sandboxes([listed], current: nil).contains(" allow-list "))
        }
    }

    @Test func optionsCompleteFromTheRowAndTheirValuesFromNothing() async throws {
        try await withSession { session, _ in
            #expect(await session.completions(line: "new --a") == ["--allow", "--add-host"])
            #expect(await session.completions(line: "new --allow ").isEmpty, "an address is not a runtime")
            #expect(await session.completions(line: "new --allow 10.0.0.1 ").contains("python-minimal"))
            #expect(await session.completions(line: "new --allow=10.0.0.1 py").contains("python-minimal"))
        }
    }
}
