import Foundation
import Testing

/// A network policy from the REPL's `new` and a runtimes file's runtime, as a user gives them.
@Suite(.timeLimit(.minutes(3))) struct NetworkCLITests {
    static let busybox = ProcessInfo.processInfo.environment["SANDBOX_TEST_BUSYBOX_IMAGE"] ?? "sandbox-test/busybox:latest"

    @Test func replNewTakesAnAllowListAddedToTheRuntimesOwn() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("network-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        try FileManager.default.createDirectory(at: config.appendingPathComponent("sandbox"), withIntermediateDirectories: true)
        try Data("""
            [locked]
            image = "\(Self.busybox)"
            allow = ["db.internal:5432"]
            add_hosts = ["db.internal:10.1.2.3"]

            """.utf8).write(to: config.appendingPathComponent("sandbox/runtimes.toml"))
        let script = """
            new --allow 10.0.0.1:0 locked
            new --allow cache.internal:6379 --add-host cache.internal:10.1.2.4 locked
            !cat /etc/hosts
            ps
            """
        let result = try run(["repl"], stdin: script, environment: ["XDG_CONFIG_HOME": config.path])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("--allow '10.0.0.1:0': the port must be a number from 1 to 65535"), "\(result)")
        #expect(result.stdout.components(separatedBy: "created ").count == 2, "the bad line made nothing: \(result)")
        #expect(result.stdout.contains("10.1.2.3") && result.stdout.contains("db.internal"), "the runtime's host: \(result)")
        #expect(result.stdout.contains("10.1.2.4") && result.stdout.contains("cache.internal"), "the caller's host: \(result)")
        #expect(result.stdout.contains(" allow-list "), "ps's NET column: \(result)")
    }
}
