import CSpawn
import Foundation

/// Starts the egress guard (`sandbox netd`) when none of this version runs for this gateway: one
/// per host, outliving the process that made it (sandboxes outlive it too), found by the lock it
/// holds and the line in it (`PID VERSION GATEWAY`).
enum EgressGuardProcess {
    /// The `sandbox` program that runs the guard: `$SANDBOX_NETD`, next to the running executable
    /// or next to the runner (a library's tests, `make build`), else on PATH.
    static var program: String? {
        if let set = ProcessInfo.processInfo.environment["SANDBOX_NETD"], !set.isEmpty { return set }
        var candidates = [ProgramLocation.executableDirectory.appendingPathComponent("sandbox").path]
        // Beside a runner of a build or an install, not beside the built-in one's copy (a cache).
        if case .success(let runner) = RunnerBinary.located, !BuiltInRunner.directories.contains(where: { runner.path.hasPrefix($0.path + "/") }) {
            candidates.append(URL(fileURLWithPath: runner.path).deletingLastPathComponent().appendingPathComponent("sandbox").path)
        }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/sandbox" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func ensure(gateway: IPv4Address) throws(FirewallError) {
        if running(gateway: gateway) { return }
        guard let program else {
            throw FirewallError(message: "the egress guard (`sandbox netd`) is needed for an allow-list and no `sandbox` program was found; set SANDBOX_NETD")
        }
        if let stale = holder() { kill(stale.pid, SIGTERM) }
        var attributes: posix_spawnattr_t = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A session of its own (POSIX_SPAWN_SETSID: no terminal's signals reach it), and the signal
        // mask and dispositions of a fresh process, not those of the spawning thread (which may
        // block SIGTERM: the guard could then not be ended).
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let log = "\(NetworkState.directory)/netd.log"
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        _ = cspawn_close_from(&actions, 3)
        let words: [String] = [program, "netd", "--gateway", gateway.description]
        let argv = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var spawnedPid: pid_t = 0
        let spawned = posix_spawn(&spawnedPid, program, &actions, &attributes, argv, environ)
        let pid = spawnedPid
        guard spawned == 0 else { throw FirewallError(message: "cannot start \(program) netd: \(String(cString: strerror(spawned)))") }
        // Reaped by a thread of its own: it is a daemon, so it exits only when it fails to start
        // or is replaced.
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        for _ in 0..<300 {
            if running(gateway: gateway) { return }
            if kill(pid, 0) != 0 { break }
            usleep(10_000)
        }
        let said = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
        throw FirewallError(message: "the egress guard did not start" + (said.isEmpty ? "" : ": \(said)"))
    }

    /// Whether a guard of this version serves `gateway`.
    static func running(gateway: IPv4Address) -> Bool {
        guard let holder = holder() else { return false }
        return holder.version == EgressGuard.version && holder.gateway == gateway.description
    }

    /// The guard holding the lock, by its line; nil when none holds it.
    private static func holder() -> (pid: pid_t, version: String, gateway: String)? {
        let fd = open(EgressGuard.lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0, errno == EWOULDBLOCK else { return nil }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = read(fd, &buffer, buffer.count)
        let words = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count == 3, let pid = pid_t(words[0]) else { return nil }
        return (pid, words[1], words[2])
    }
}
