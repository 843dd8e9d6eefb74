import Foundation
import Testing

/// Numbers on the command line that once crashed `sandbox` are usage errors (exit 64) that say
/// what is allowed; none reaches the daemon.
@Suite(.timeLimit(.minutes(1))) struct OptionValidationTests {
    @Test(arguments: [
        (["exec", "any", "--timeout", "1e19", "--", "true"], "--timeout must be a number of seconds above 0 and at most 86400"),
        (["exec", "any", "--timeout", "nan", "--", "true"], "--timeout must be a number of seconds"),
        (["exec", "any", "--timeout=-1", "--", "true"], "--timeout must be a number of seconds"),
        (["exec", "any", "--timeout", "inf", "--", "true"], "--timeout must be a number of seconds"),
        (["mcp", "--timeout", "1e300"], "--timeout must be a number of seconds"),
        (["new", "--memory", "infg"], "--memory takes a size such as 512m, 1.5g or 2g, got 'infg'"),
        (["new", "--memory", "99999999999999999999g"], "--memory takes a size"),
        (["console", "--poll", "1e300"], "--poll must be a number of seconds"),
        (["console", "--poll", "0.001"], "--poll must be at least 0.1 seconds"),
        (["console", "--scrollback", "1000000000000"], "--scrollback must be between 10 and 1000000"),
        (["console", "--scrollback", "1e19"], "--scrollback"),
        (["repl", "--pool", "9223372036854775808"], "--pool"),
        (["repl", "--pool", "33"], "--pool must be between 0 and 32"),
    ])
    func badNumbersAreUsageErrors(arguments: [String], message: String) throws {
        let result = try run(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func anUnreadableSandboxPoolIsAnError() throws {
        let result = try run(["repl"], stdin: "", environment: ["SANDBOX_POOL": "lots"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("SANDBOX_POOL must be a whole number between 0 and 32, got 'lots'"), "\(result.stderr)")
    }
}
