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

    /// `sandbox allow` and `deny` change a running sandbox's rules and print the policy in force;
    /// `logs --egress` prints what it was refused; a bad rule changes nothing.
    @Test func allowDenyAndTheEgressRecordFromTheCommandLine() throws {
        let name = "cli-net-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        let created = try run(["new", "--image", Self.busybox, "--name", name])
        #expect(created.status == 0, "\(created)")
        guard !created.stderr.contains("is not isolated") else { return }  // not enforced here: said, and checked elsewhere
        let allowed = try run(["allow", name, "10.1.2.3:80"])
        #expect(allowed.status == 0 && allowed.stdout == "isolated; also allowed: 10.1.2.3:80\n", "\(allowed)")
        let bad = try run(["deny", name, "10.0.0.1:0"])
        #expect(bad.status != 0 && bad.stderr.contains("the port must be a number from 1 to 65535"), "\(bad)")
        let denied = try run(["deny", name, "10.1.2.3:80", "169.254.0.0/16"])
        #expect(denied.stdout == "isolated; denied: 10.1.2.3:80, 169.254.0.0/16\n", "\(denied)")
        _ = try run(["exec", name, "--", "sh", "-c", "nc -w 1 169.254.77.77 9 </dev/null; true"])
        var egress = try run(["logs", name, "--egress"])
        for _ in 0..<30 where !egress.stdout.contains("169.254.77.77:9/tcp") {
            usleep(100_000)
            egress = try run(["logs", name, "--egress"])
        }
        #expect(egress.stdout.contains("  connection  169.254.77.77:9/tcp  dropped\n"), "\(egress)")
    }

    /// The TLS engine of scripts/test/engines.sh is reached over TCP: a sandbox there is made open
    /// and says so, ps says OPEN, and an allow-list is refused rather than made open.
    @Test func anEngineThatCannotEnforceSaysSoAndRefusesAnAllowList() throws {
        let tls = ["DOCKER_HOST": "tcp://127.0.0.1:23760", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/var/lib/sandbox-test/certs"]
        let name = "cli-open-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name], environment: tls) }
        let created = try run(["new", "--image", Self.busybox, "--name", name], environment: tls)
        #expect(created.status == 0 && created.stdout == "\(name)\n", "\(created)")
        #expect(created.stderr.contains("note: \(name) is not isolated: it reaches the host's services and other sandboxes (the engine at "),
                "\(created)")
        let ps = try run(["ps", "--wide"], environment: tls)
        #expect(ps.stdout.split(separator: "\n").contains { $0.contains(name) && $0.contains(" OPEN ") }, "\(ps)")
        let refused = try run(["new", "--image", Self.busybox, "--allow", "10.0.0.1"], environment: tls)
        #expect(refused.status != 0 && refused.stderr.contains("cannot enforce --allow"), "\(refused)")
    }
}
