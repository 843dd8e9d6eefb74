import Foundation
import Testing

/// Many engines from the CLI: Docker contexts made with the real `docker context create`.
@Suite(.timeLimit(.minutes(3))) struct EngineCLITests {
    @Test func psAllEnginesAndNameAtContext() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-engines-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: config) }
        for (context, host) in [("live", "unix:///var/run/docker.sock"), ("dead", "unix://\(config)/no-daemon.sock")] {
            try #require(system("DOCKER_CONFIG='\(config)' docker context create \(context) --docker 'host=\(host)' >/dev/null 2>&1") == 0)
        }
        let env = ["DOCKER_CONFIG": config]
        let name = "cli-engines-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", "\(name)@live"], environment: env) }
        let created = try run(["new", "--on", "live", "--image", CLITests.python, "--name", name], environment: env)
        #expect(created.status == 0 && created.stdout == "\(name)\n", "\(created)")

        let ps = try run(["ps", "--all-engines", "--wide"], environment: env)
        #expect(ps.status == 0, "\(ps)")
        let lines = ps.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ENGINE") == true)
        #expect(lines.contains { $0.hasPrefix("live ") && $0.contains(name) }, "\(ps.stdout)")
        #expect(lines.contains { $0.hasPrefix("default ") && $0.contains(name) }, "the same daemon, by its other name")
        #expect(lines.contains { $0.hasPrefix("dead ") && $0.contains("unreachable") && $0.contains("no-daemon.sock") }, "\(ps.stdout)")

        let exec = try run(["exec", "\(name)@live", "--", "echo", "hi"], environment: env)
        #expect(exec.status == 0 && exec.stdout == "hi\n", "\(exec)")
        #expect(try run(["cat", "\(name)@live:/etc/hostname"], environment: env).status == 0)
        let dead = try run(["exec", "\(name)@dead", "--", "true"], environment: env)
        #expect(dead.status != 0 && dead.stderr.contains("not reachable"), "\(dead)")
        #expect(try run(["exec", "\(name)@nope", "--", "true"], environment: env).stderr.contains("no such context"))
    }
}
