import DockerEngine
import Foundation
import SandboxKit

// One benchmark scenario through SandboxKit, for scripts/bench/bench.py, which runs the same
// scenarios with the docker CLI, pydantic-ai-backend and curl and compares them.
// Usage: sandbox-bench [--oci-runtime NAME] SCENARIO IMAGE RUNS (SANDBOX_RUNNER=off in the
// environment: the exec path; DOCKER_HOST and the rest: the daemon, as for `sandbox`)
// Prints {"samples": [seconds...], "maxrss_kib": N, "paths": [how the sandboxes ran commands]};
// a check that fails exits 1 with a message.

var arguments = Array(CommandLine.arguments.dropFirst())
/// Sandboxes under another OCI runtime (`runsc`: gVisor, which runs here only without a network).
let ociRuntime = arguments.count > 1 && arguments[0] == "--oci-runtime" ? arguments[1] : nil
if ociRuntime != nil { arguments.removeFirst(2) }
guard arguments.count == 3, let runs = Int(arguments[2]), runs > 0 else {
    FileHandle.standardError.write(Data("usage: sandbox-bench [--oci-runtime NAME] cold|pooled|exec|write|read|output|concurrent|burst|snapshot|from-snapshot|fork|stop|connect|fetch-open[-slow]|fetch-policy[-slow]|exec-policy|policy-change IMAGE RUNS\n".utf8))
    exit(2)
}
let (scenario, image) = (arguments[0], arguments[1])
let script = "python3 -c 'print(sum(range(10)))'"
let concurrentCommands = 50
let burstSize = Int(ProcessInfo.processInfo.environment["BENCH_BURST"] ?? "") ?? 100
let bigOutput = "yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy | head -c 104857600"

/// The burst scenario's failed sandboxes and commands, each "INDEX: what failed"; the seconds its
/// 1,000 concurrent commands took.
nonisolated(unsafe) var burstFailures: [String] = []
nonisolated(unsafe) var burstCommandSeconds: [Double] = []

struct BenchFailure: Error, CustomStringConvertible { var description: String }

func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw BenchFailure(description: message()) }
}

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return (ContinuousClock.now - start).seconds
}

/// A sandbox of the run's image (and OCI runtime), not started.
func newSandbox() -> DockerSandbox {
    var security = SecurityProfile.hardened
    security.ociRuntime = ociRuntime
    return DockerSandbox(image: image, labels: ["sandbox.bench": "true"], network: ociRuntime == nil ? .on : .none, security: security)
}

/// The network scenarios' server (bench.py's test host): an address, and a name the allow-list gives it.
let target = ProcessInfo.processInfo.environment["BENCH_TARGET"] ?? "198.51.100.7"
let targetName = "bench.test"

/// A sandbox on an allow-list that names only the target, by name (so its port 80 goes through the
/// egress guard's proxy, which checks the Host).
func allowListSandbox() throws -> DockerSandbox {
    DockerSandbox(image: image, labels: ["sandbox.bench": "true"],
                  policy: try NetworkPolicy(allow: ["\(targetName):80"], hosts: ["\(targetName):\(target)"]))
}

/// The median of 20 HTTP fetches of `url` made in the sandbox by one Python process (its start is
/// not what is measured).
func fetchMedian(_ sandbox: DockerSandbox, _ url: String) async throws -> Double {
    let code = """
    import statistics, time, urllib.request
    times = []
    for _ in range(20):
        start = time.perf_counter(); urllib.request.urlopen('\(url)', timeout=5).read(); times.append(time.perf_counter() - start)
    print(statistics.median(times))
    """
    try await sandbox.write("/tmp/fetch.py", code)
    let result = try await sandbox.execute("python3 /tmp/fetch.py")
    guard result.exitCode == 0, let seconds = Double(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw BenchFailure(description: "fetching \(url) failed: \(result.output.suffix(300))")
    }
    return seconds
}

/// A started sandbox for the scenarios that measure one operation on a warm container.
func warmSandbox(_ made: DockerSandbox = newSandbox()) async throws -> DockerSandbox {
    let sandbox = made
    try await sandbox.start()
    _ = try await sandbox.execute("true")
    return sandbox
}

/// How `sandbox` runs commands, so that a column says which path it measured: "runner", or
/// "exec (why)".
func path(of sandbox: DockerSandbox) async throws -> String {
    switch try await sandbox.executionPath() {
    case .runner: "runner"
    case .exec(let reason): "exec (\(reason))"
    }
}

func run() async throws -> (samples: [Double], paths: Set<String>) {
    var samples: [Double] = []
    var paths = Set<String>()
    switch scenario {
    case "cold":
        for _ in 0..<runs {
            let sandbox = newSandbox()
            var output = ""
            samples.append(try await timed { output = try await sandbox.execute(script).output })
            try check(output == "45\n", "cold: unexpected output \(output)")
            paths.insert(try await path(of: sandbox))
            try await sandbox.stop()
        }
    case "pooled":
        let pool = SandboxPool(size: 1)
        let template = newSandbox
        await pool.prepare(like: template())
        for _ in 0..<runs {
            while await pool.waitingCount < 1 { try await Task.sleep(for: .milliseconds(20)) }
            var output = ""
            var sandbox: DockerSandbox?
            samples.append(try await timed {
                let taken = try await pool.take(like: template())
                output = try await taken.execute(script).output
                sandbox = taken
            })
            try check(output == "45\n", "pooled: unexpected output \(output)")
            if let sandbox { paths.insert(try await path(of: sandbox)) }
            try await sandbox?.stop()
        }
        await pool.drain()
    case "exec":
        let sandbox = try await warmSandbox()
        for _ in 0..<5 { _ = try await sandbox.execute("true") }
        for _ in 0..<runs {
            var code: Int32 = -1
            samples.append(try await timed { code = try await sandbox.execute("true").exitCode })
            try check(code == 0, "exec: exit code \(code)")
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "write", "read":
        let sandbox = try await warmSandbox()
        var content = Data(count: 10 * 1024 * 1024)
        content.withUnsafeMutableBytes { bytes in
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        }
        for run in 0..<runs {
            let path = "/workspace/blob-\(run).bin"
            let write = try await timed { try await sandbox.write(path, content) }
            var back = Data()
            let read = try await timed { back = try await sandbox.readData(path) }
            try check(back == content, "read back \(back.count) bytes that differ from the \(content.count) written")
            samples.append(scenario == "write" ? write : read)
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "output":
        let sandbox = try await warmSandbox()
        for _ in 0..<runs {
            var result: ExecuteResult?
            samples.append(try await timed { result = try await sandbox.execute(bigOutput) })
            try check(result?.truncated == true && result?.output.count == DockerSandbox.outputLimit, "output: not truncated as expected")
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "concurrent":
        let sandbox = try await warmSandbox()
        for _ in 0..<runs {
            var wrong: [String] = []
            samples.append(try await timed {
                wrong = try await withThrowingTaskGroup(of: String?.self) { group in
                    for index in 0..<concurrentCommands {
                        group.addTask {
                            let result = try await sandbox.execute("sleep 0.2; echo \(index)")
                            return result.exitCode == 0 && result.output == "\(index)\n" ? nil : "\(index): exit \(result.exitCode), \(result.output.debugDescription)"
                        }
                    }
                    return try await group.reduce(into: []) { wrong, answer in if let answer { wrong.append(answer) } }
                }
            })
            try check(wrong.isEmpty, "concurrent: \(wrong.count) of \(concurrentCommands) commands answered wrongly, e.g. \(wrong.first ?? "")")
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "burst":
        // `burstSize` sandboxes made at once from one process, each answering `echo`: the wall
        // time to all answering, and what failed (reported, not fatal: scripts/bench/scale.py
        // counts failures and the containers left after every `stop()`).
        for _ in 0..<runs {
            var failures: [String] = []
            var made: [DockerSandbox] = []
            samples.append(await timed {
                await withTaskGroup(of: (DockerSandbox, String?).self) { group in
                    for index in 0..<burstSize {
                        group.addTask {
                            let sandbox = newSandbox()
                            do {
                                let output = try await sandbox.execute("echo \(index)").output
                                return (sandbox, output == "\(index)\n" ? nil : "\(index): \(output.debugDescription)")
                            } catch {
                                return (sandbox, "\(index): \(error)")
                            }
                        }
                    }
                    for await (sandbox, failure) in group {
                        made.append(sandbox)
                        if let failure { failures.append(failure) }
                    }
                }
            })
            // Then 10 commands in each at once: 1,000 in flight from this process.
            let answering = made
            var wrong: [String] = []
            burstCommandSeconds.append(await timed {
                wrong = await withTaskGroup(of: String?.self) { group in
                    for (index, sandbox) in answering.enumerated() {
                        for command in 0..<10 {
                            group.addTask {
                                do {
                                    let output = try await sandbox.execute("echo \(index)-\(command)").output
                                    return output == "\(index)-\(command)\n" ? nil : "command \(index)-\(command): \(output.debugDescription)"
                                } catch { return "command \(index)-\(command): \(error)" }
                            }
                        }
                    }
                    return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
                }
            })
            await withTaskGroup(of: Void.self) { group in
                for sandbox in made { group.addTask { try? await sandbox.stop() } }
            }
            burstFailures += failures + wrong
        }
    case "snapshot", "from-snapshot", "fork":
        // A sandbox with 100 MiB changed: its snapshot; a new sandbox from it to the script's first
        // output; 8 running copies of it to all answering.
        let source = try await warmSandbox()
        _ = try await source.execute("head -c 104857600 /dev/urandom > /workspace/changed.bin")
        for run in 0..<runs {
            switch scenario {
            case "snapshot":
                var taken: Snapshot?
                samples.append(try await timed { taken = try await source.snapshot(label: "bench-\(run)") })
                if let taken { try await SandboxEngine().removeSnapshot(taken.description) }
            case "from-snapshot":
                let snapshot = try await source.snapshot(label: "bench-\(run)")
                let made = DockerSandbox(from: snapshot, labels: ["sandbox.bench": "true"])
                var output = ""
                samples.append(try await timed { output = try await made.execute(script).output })
                try check(output == "45\n", "from-snapshot: unexpected output \(output)")
                try await made.stop()
                _ = try await SandboxEngine().removeSnapshot(snapshot.description)
            default:
                let names = (1...8).map { "\(source.name)-\(run)-\($0)" }
                var copies: [DockerSandbox] = []
                samples.append(try await timed {
                    copies = try await source.fork(count: 8, names: names, labels: ["sandbox.bench": "true"])
                    for copy in copies { _ = try await copy.execute("true") }
                })
                for copy in copies { try await copy.stop() }
            }
        }
        paths.insert(try await path(of: source))
        try await source.stop()
        _ = try await SandboxEngine().pruneSnapshots()
    case "stop":
        for _ in 0..<runs {
            let sandbox = try await warmSandbox()
            paths.insert(try await path(of: sandbox))
            samples.append(try await timed { try await sandbox.stop() })
            try check(await !sandbox.isAlive(), "stop: still alive")
        }
    case "fetch-open", "fetch-policy", "fetch-open-slow", "fetch-policy-slow":
        // `-slow`: a page the server answers in 10 ms, as a server on a network would, not at once.
        let open = scenario.hasPrefix("fetch-open"), page = scenario.hasSuffix("-slow") ? "slow" : ""
        let sandbox = try await warmSandbox(open ? newSandbox() : try allowListSandbox())
        for _ in 0..<runs {
            samples.append(try await fetchMedian(sandbox, "http://\(open ? target : targetName)/\(page)"))
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "exec-policy":
        let sandbox = try await warmSandbox(try allowListSandbox())
        for _ in 0..<runs {
            samples.append(try await timed { _ = try await sandbox.execute("true") })
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "policy-change":
        // Until `allow` returns, the kernel has the new rules: its time is the time to take effect.
        let sandbox = try await warmSandbox(try allowListSandbox())
        for index in 0..<runs {
            let rule = try EgressRule(parsing: "10.99.\(index / 250).\(index % 250 + 1):443")
            samples.append(try await timed { _ = try await sandbox.allow(rule) })
        }
        paths.insert(try await path(of: sandbox))
        try await sandbox.stop()
    case "connect":
        // What every call would cost without reusing connections: a new client's first request
        // (over ssh, a new ssh connection, its key exchange and `docker system dial-stdio`).
        let endpoint = try DockerEndpoint.resolve()
        for _ in 0..<runs {
            let client = DockerClient(endpoint: endpoint)
            do {
                samples.append(try await timed { _ = try await client.version() })
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    default:
        throw BenchFailure(description: "unknown scenario \(scenario)")
    }
    return (samples, paths)
}

do {
    let (samples, paths) = try await run()
    // VmHWM, not getrusage's ru_maxrss: that one starts from the launching process's size (Linux
    // carries the peak across fork and exec), so a big parent would hide ours.
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    let json = try JSONSerialization.data(withJSONObject: ["samples": samples, "maxrss_kib": peak, "paths": paths.sorted(), "failures": burstFailures,
                                                          "commands": burstCommandSeconds] as [String: Any])
    print(String(decoding: json, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("sandbox-bench \(scenario): \(error)\n".utf8))
    exit(1)
}
