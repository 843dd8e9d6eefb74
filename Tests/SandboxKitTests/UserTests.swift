import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// `sandbox new --user`: commands, shells, jobs and the engine's own file requests as the
/// sandbox's user, which the image gets when it lacks it; the user cannot act as root through
/// the runner. Each "cannot" has its control: the same as root (a sandbox without a user) works.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct UserTests {
    /// The owners of `paths` (relative to the work directory) by name, a line each; by Python,
    /// since gVisor's kernel here has no statx for `stat` and `ls -l`.
    static func owners(_ paths: String...) -> String {
        "python3 -c 'import os, sys, pwd, grp\nfor p in sys.argv[1:]: s = os.stat(p); print(pwd.getpwuid(s.st_uid).pw_name + \":\" + grp.getgrgid(s.st_gid).gr_name, oct(s.st_mode & 0o777)[2:])' "
            + paths.joined(separator: " ")
    }

    @Test(arguments: Kernel.allCases)
    func theDefaultUserIsMadeAndOwnsItsWorkAndWhatTheEngineWrites(kernel: Kernel) async throws {
        try await withSandbox(kernel: kernel, user: .unprivileged) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            #expect(try await sandbox.execute("id -un; id -u; id -g; echo $HOME $USER; pwd; env | grep -c SANDBOX_RUNNER_USER").output
                == "sandbox\n1000\n1000\n/home/sandbox sandbox\n/workspace\n0\n")
            #expect(try await sandbox.execute(Self.owners(".", "/home/sandbox") + "; grep -c '^sandbox:' /etc/passwd /etc/group").output
                == "sandbox:sandbox 755\nsandbox:sandbox 755\n/etc/passwd:1\n/etc/group:1\n")
            try await sandbox.write("made/by/engine.txt", "hi\n")
            #expect(try await sandbox.execute(Self.owners("made", "made/by/engine.txt")).output == "sandbox:sandbox 755\nsandbox:sandbox 644\n")
            try await sandbox.edit("made/by/engine.txt", "hi", "ho")
            #expect(try await sandbox.readText("made/by/engine.txt") == "ho\n")
            // Files go with the user's rights, not the runner's.
            await #expect(throws: SandboxError.self) { try await sandbox.write("/etc/owned", "x") }
            await #expect(throws: SandboxError.self) { _ = try await sandbox.readText("/etc/shadow") }
            #expect(try await sandbox.execute("cat /etc/shadow >/dev/null 2>&1; echo $?").output == "1\n")
            // A job and a shell run as it too.
            let job = try await sandbox.startJob("id -u")
            try await waitUntil { try await sandbox.jobs().first { $0.id == job }?.state == .exited(0) }
            #expect(try await sandbox.jobLog(job) == "1000\n")
            let shell = try await sandbox.openShell("id -u; echo $HOME", rows: 24, columns: 80)
            var printed = ""
            for await chunk in shell.output { printed += String(decoding: chunk, as: UTF8.self) }
            #expect(printed.contains("1000") && printed.contains("/home/sandbox"), "\(printed)")
            // Another process finds the user from the container.
            let other = try await SandboxEngine().sandbox(named: sandbox.name)
            #expect(try await other.execute("id -u").output == "1000\n")
            try await other.write("from-other.txt", "x")
            #expect(try await sandbox.execute(Self.owners("from-other.txt")).output == "sandbox:sandbox 644\n")
        }
    }

    /// The control: without a user, the same requests are root's.
    @Test func withoutAUserTheSameIsRoot() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("id -u").output == "0\n")
            try await sandbox.write("/etc/owned", "x")
            #expect(try await sandbox.readText("/etc/shadow").isEmpty == false)
        }
    }

    /// A copy from the host belongs to the sandbox's user.
    @Test func aCopyInBelongsToTheUser() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tree/sub"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: directory.appendingPathComponent("tree/sub/a.txt"))
        try await withSandbox(user: .unprivileged) { (sandbox: DockerSandbox) async throws in
            try await sandbox.copyIn(hostPath: directory.appendingPathComponent("tree").path, to: "/workspace/")
            #expect(try await sandbox.execute("stat -c %U tree tree/sub tree/sub/a.txt").output == "sandbox\nsandbox\nsandbox\n")
        }
    }

    /// An image without /etc/passwd (busybox) gets one with root and the user; a user by number gets a name.
    @Test func aUserByNumberInAnImageWithoutAccounts() async throws {
        try await withSandbox(image: TestImages.busybox, user: .id(uid: 4321, gid: nil)) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("id -u; id -g; id -un; grep -c . /etc/passwd; stat -c %u /workspace").output
                == "4321\n4321\nsandbox\n2\n4321\n")
        }
    }

    /// A user the image has is used as it is: nothing added.
    @Test func anExistingUserIsTakenAsItIs() async throws {
        try await withSandbox(user: .named("nobody")) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("id -u; grep -c nobody /etc/passwd").output == "65534\n1\n")
        }
        try await withSandbox(user: .id(uid: 1, gid: 5)) { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute("id -un; id -g").output == "daemon\n5\n")
        }
    }

    /// What a user's command asks of the runner runs as that user: a job it starts (even one
    /// whose environment names root) runs as it, an `exec` of the runner told to be root is
    /// refused, and so is ending another's command by its token. Control: root's are root's.
    @Test func theRunnerGivesAUserNothingMore() async throws {
        let asks = "r=/.sandbox/sandbox-runner; SANDBOX_RUNNER_USER=0:0 $r job -- sh -c 'id -u > /tmp/job-uid' >/dev/null; sleep 0.5; cat /tmp/job-uid"
            + "; SANDBOX_RUNNER_USER=0:0 $r exec t 0 -- id -u 2>/dev/null; echo exec=$?; $r kill job-1; echo kill=$?"
        try await withSandbox(user: .unprivileged) { (sandbox: DockerSandbox) async throws in
            let job = try await sandbox.startJob("sleep 30")
            #expect(try await sandbox.execute(asks).output == "1000\nexec=126\nkill=3\n", "the user cannot become root: refused")
            #expect(try await sandbox.jobs().first { $0.id == job }?.state == .running, "the user's kill reached nothing")
        }
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.execute(asks).output.hasPrefix("0\n0\nexec=0\n"))
        }
    }

    /// The same user on Podman and on a daemon elsewhere (TLS: the runner copied in, not mounted).
    @Test func podmanAndARemoteDaemonRunTheUser() async throws {
        for endpoint in [DockerEndpoint(host: EngineKindsTests.podman), try DockerEndpoint.resolve(environment: RemoteEngineTests.tlsEnvironment)] {
            try await RemoteEngineTests.withClient(endpoint) { client in
                try await withSandbox(image: TestImages.busybox, user: .unprivileged, client: client) { (sandbox: DockerSandbox) async throws in
                    #expect(try await sandbox.execute("id -u; stat -c %u /workspace").output == "1000\n1000\n", "\(endpoint.host)")
                    try await sandbox.write("f", "x")
                    #expect(try await sandbox.execute("stat -c %u f").output == "1000\n", "\(endpoint.host)")
                }
            }
        }
    }
}
