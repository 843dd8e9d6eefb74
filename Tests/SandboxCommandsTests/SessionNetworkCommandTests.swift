import Foundation
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// `allow`, `deny` and `egress` through a session against the real daemon and the host's firewall
/// (where it is not enforced, the rows say so and the check says that instead).
extension SessionTests {
    static func listing(_ out: Recorder) -> String? {
        if case .listing(let text)? = out.take().last { return text }
        return nil
    }

    static let networkChecks: [String: Check] = [
        "allow": { session, out in
            _ = try await new(session, out)
            let code = await session.perform(.allow([try EgressRule(parsing: "10.1.2.3:80")]), output: out)
            let text = listing(out)
            if code == 0 { #expect(text == "isolated; also allowed: 10.1.2.3:80\n", "\(String(describing: text))") }
        },
        "deny": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.deny([try EgressRule(parsing: "10.1.2.3"), try EgressRule(parsing: "10.9.0.0/16:53")]), output: out) == 0)
            #expect(listing(out) == "isolated; denied: 10.1.2.3, 10.9.0.0/16:53\n")
            // A name on an isolated sandbox: refused with the reason, nothing changed.
            #expect(await session.perform(.deny([try EgressRule(parsing: "example.com")]), output: out) == 1)
            #expect(await session.perform(.deny([]), output: out) == 0)
        },
        "egress": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.egress, output: out) == 0)
            #expect(listing(out) == "nothing denied is recorded\n")
            // The link-local range is refused to an isolated sandbox, and recorded as its own.
            _ = await session.perform(.exec("nc -w 1 169.254.77.77 9 </dev/null"), output: out)
            _ = out.take()
            var text: String?
            for _ in 0..<30 where text?.contains("169.254.77.77:9/tcp") != true {
                try await Task.sleep(for: .milliseconds(100))
                #expect(await session.perform(.egress, output: out) == 0)
                text = listing(out)
            }
            #expect(text?.contains("connection  169.254.77.77:9/tcp  dropped") == true, "\(String(describing: text))")
        },
    ]
}
