import DockerEngine
import Foundation
import NIOCore
@testable import SandboxKit
import Synchronization
import Testing

/// The resident runner against code in the sandbox that attacks it (stops it, writes into its
/// stdout, stops a command's supervisor, prints bytes that are not characters) and against a
/// runner that is not ours. Each test is a repro of a problem found in review: it fails (or
/// runs into its wait's limit, which records an issue) on the code that had it.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct RunnerHostileTests {
    /// A shell line run by plain `docker exec` (not through the runner): writes into the
    /// runner's stdout or stops it, while the runner is idle.
    static func dockerExec(_ sandbox: DockerSandbox, _ script: String) async throws {
        let client = try DockerClient.shared()
        let exec = try await client.createExec(container: sandbox.name, .init(cmd: ["sh", "-c", script]))
        for try await _ in try await client.startExec(exec) {}
        #expect(try await client.inspectExec(exec).exitCode == 0, "\(script)")
    }

    /// For each `sandbox-runner serve` in the container: `action` with `$p` its /proc directory.
    static func forEachRunner(_ action: String) -> String {
        "n=0; for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^/.sandbox/sandbox-runner serve'; then \(action); n=$((n+1)); fi; done; [ $n -gt 0 ]"
    }

    /// Whether `task` ends (returning or throwing) within `limit`; a call that hangs is reported
    /// by the caller instead of holding the suite until its time limit.
    static func finishes<T: Sendable>(_ task: Task<T, any Error>, within limit: Duration) async -> Bool {
        let (ends, end) = AsyncStream<Bool>.makeStream()
        Task { _ = await task.result; end.yield(true) }
        let timer = Task { try await Task.sleep(for: limit); end.yield(false) }
        defer { timer.cancel() }
        for await ended in ends { return ended }
        return false
    }

    // MARK: The host's side: no answer may be waited for forever

    /// Four bytes written into the runner's stdout announced a 1 MiB frame: every answer after
    /// them was taken as its payload, so a file read (which has no timeout) waited forever. The
    /// runner's processes are not dumpable now (runner/init.c): nothing in the sandbox opens their
    /// descriptors. (The client still gives up on a runner that stops answering: the next test.)
    @Test func nothingInTheSandboxWritesIntoTheRunnersStdout() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            try await sandbox.write("f.txt", "hello\n")
            let client = try DockerClient.shared()
            let exec = try await client.createExec(container: sandbox.name, .init(cmd: ["sh", "-c",
                Self.forEachRunner("printf '\\000\\020\\000\\000' > $p/fd/1 || exit 9")]))
            for try await _ in try await client.startExec(exec) {}
            #expect(try await client.inspectExec(exec).exitCode == 9, "the write was refused")
            #expect(try await sandbox.readData("f.txt") == Data("hello\n".utf8))
            #expect(try await sandbox.execute("echo after").output == "after\n")
        }
    }

    /// A runner stopped (SIGSTOP) by the sandbox while idle never answers again: a command
    /// without a timeout, and a write, waited forever.
    @Test func aStoppedRunnerDoesNotHangACommandWithoutTimeoutOrAWrite() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            try await Self.dockerExec(sandbox, Self.forEachRunner("kill -STOP ${p#/proc/}"))
            let command = Task { try await sandbox.execute("echo hi") }
            let finished = await Self.finishes(command, within: .seconds(60))
            #expect(finished, "execute without a timeout hung on a stopped runner")
            guard finished else { return }
            let write = Task { try await sandbox.write("g.txt", "x") }
            #expect(await Self.finishes(write, within: .seconds(60)), "write hung on a stopped runner")
            #expect(try await sandbox.execute("echo after").output == "after\n")
        }
    }

    /// A runner that never greets (here a same-size file the sandbox put where ours is copied;
    /// the placement checks only size and mode): `helperDeadline` bounded the wait for its
    /// greeting in name only, as a task group waits for its child, which waited on a
    /// continuation that nothing resumed.
    @Test func aRunnerThatNeverGreetsFallsBackToExec() async throws {
        guard case .success(let real) = RunnerBinary.located else {
            Issue.record("build the runner first (make runner)")
            return
        }
        let client = try DockerClient.shared()
        var config = ContainerConfig(image: TestImages.busybox, cmd: ["sleep", "1000000"])
        config.labels = ["sandbox.test": "true"]
        let id = try await client.createContainer(config, name: "sandbox-hostile-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try await client.startContainer(id)
            var fake = "#!/bin/sh\nexec sleep 1000001\n#"
            fake += String(repeating: "x", count: real.data.count - fake.utf8.count)
            try await DockerSandbox.placeFile(RunnerBinary.containerPath, ByteBuffer(string: fake), mode: 0o755, in: id, client: client)
            let sandbox = DockerSandbox(attachedTo: try await client.inspectContainer(id), client: client)
            let command = Task { try await sandbox.execute("echo hi") }
            let finished = await Self.finishes(command, within: .seconds(60))
            #expect(finished, "execute hung on a runner that never greets")
            if finished { #expect(try await command.value.output == "hi\n", "by docker exec") }
        } catch {
            Issue.record(error)
        }
        try await client.removeContainer(id)
    }

    // MARK: The runner's side

    /// Bytes 0x80 to 0xBF alone are not characters to a count of UTF-8 lead bytes: 3 MB of them
    /// went to the host whole past a 100,000-character cap, and `truncated` stayed false.
    @Test func theCapHoldsForOutputThatIsNotUTF8() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let bytes = Mutex(0)
            let exit = try await sandbox.run(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' '\\200'"], timeout: nil, cap: DockerSandbox.outputLimit) { frame in
                bytes.withLock { $0 += frame.bytes.readableBytes }
            }
            let sent = bytes.withLock { $0 }
            #expect(sent <= 4 * DockerSandbox.outputLimit, "\(sent) bytes crossed the daemon")
            #expect(exit.truncatedAtSource && exit.exitCode == 0, "\(exit)")
            let result = try await sandbox.execute("head -c 300000 /dev/zero | tr '\\0' '\\377'")
            #expect(result.truncated && result.output.unicodeScalars.count == DockerSandbox.outputLimit)
        }
    }

    /// A command that stops its own supervisor (its parent) is killed at its timeout all the
    /// same, and reported as timed out, not as cancelled (130).
    @Test func aCommandThatStopsItsSupervisorStillTimesOutAs124() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("kill -STOP $PPID; sleep 100041", timeout: .seconds(1))
            #expect(result.exitCode == 124 && result.timedOut, "\(result)")
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100041").isEmpty)
        }
    }

    /// A session killed from inside used to end what it ran, and the caller was told to run the
    /// command again. Now the command runs on under init and the caller gets its answer
    /// (RunnerReachTests.aSessionKilledMidCommandIsFoundAgain); one that the caller abandons (a
    /// cancel) is still ended, everything it started with it.
    @Test func aCommandCancelledAfterItsSessionWasKilledLeavesNothingRunning() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let started = AsyncStream<Void>.makeStream()
            let task = Task {
                try await sandbox.execute(Self.forEachRunner("kill -KILL ${p#/proc/}") + "; setsid sleep 100061 & sleep 0.5; echo running; wait") { event in
                    if case .stdout(let text) = event, text.contains("running") { started.continuation.yield() }
                }
            }
            for await _ in started.stream { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(try await EscapeTests.survivors(sandbox, "sleep 100061").isEmpty)
        }
    }

    /// A command's standard input is /dev/null and it inherits no other descriptor of the runner's.
    @Test func aCommandInheritsOnlyItsThreeDescriptors() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let result = try await sandbox.execute("ls /proc/$$/fd")
            #expect(result.output == "0\n1\n2\n", "\(result.output)")
        }
    }

    /// The runner killing a stopped supervisor (a cancel it did not obey) reaped every child of
    /// the runner that had exited meanwhile: another command's exit was lost, and it waited forever.
    /// Spoken in frames to `sandbox-runner serve` directly, so the runner can be kept busy (its
    /// client not reading) across the moment of that kill.
    @Test func killingAStoppedSupervisorLosesNoOtherCommandsExit() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            #expect(try await sandbox.executionPath() == .runner, "build the runner first (make runner)")
            let client = try DockerClient.shared()
            let exec = try await client.createExec(container: sandbox.name, .init(cmd: [RunnerBinary.containerPath, "serve"], attachStdin: true))
            try await client.withAttachedExec(exec) { output, input in
                var decoder = RunnerAnswerDecoder()
                var pending: [(id: UInt32, answer: RunnerAnswer)] = []
                func next() async throws -> (id: UInt32, answer: RunnerAnswer) {
                    while pending.isEmpty {
                        guard let frame = try await output.next() else { throw RunnerProtocolError(description: "the runner ended") }
                        if frame.stream == .stdout { pending = try decoder.feed(frame.bytes) }
                    }
                    return pending.removeFirst()
                }
                func send(_ request: RunnerRequest, _ id: UInt32) async throws { try await input.write(try request.encoded(id: id)) }
                func exec(_ command: String) -> RunnerRequest {
                    .exec(token: UUID().uuidString, workDir: "/", environment: [], argv: ["sh", "-c", command], timeoutMilliseconds: 0, cap: 0)
                }

                #expect(try await next().answer == .hello(version: RunnerBinary.version))
                try await send(exec("kill -STOP $PPID; echo stopped; sleep 100051"), 1)
                while try await next().answer != .stdout(ByteBuffer(string: "stopped\n")) {}
                try await send(exec("sleep 0.3"), 2)
                try await send(.cancel, 1)  // not obeyed: the runner kills it itself a second later
                try await send(exec("head -c 30000000 /dev/zero"), 3)
                // Not reading: the runner blocks writing command 3's output, while command 2 exits
                // and the second passes.
                try await Task.sleep(for: .milliseconds(2500))
                var exits: [UInt32: Int32] = [:]
                var pinged = false
                while true {
                    let (id, answer) = try await next()
                    if case .exit(let status, _) = answer { exits[id] = status }
                    if answer == .pong { break }
                    if !pinged, exits[1] != nil, exits[3] != nil {
                        try await send(.ping, 9)
                        pinged = true
                    }
                }
                #expect(exits == [1: 130, 2: 0, 3: 0], "exits before the pong: \(exits)")
                input.finish()
            }
        }
    }

    // MARK: The decoder

    @Test func theDecoderTakesInputSplitAnywhereAndRefusesBadFrames() throws {
        var frames = ByteBuffer()
        frames.writeMultipleIntegers(UInt32(5 + 4), UInt8(0x81), UInt32(7), UInt32(42))
        frames.writeMultipleIntegers(UInt32(5 + 13), UInt8(0x84), UInt32(7), Int32(-1), UInt8(1), UInt64(9))
        var decoder = RunnerAnswerDecoder()
        var answers: [(id: UInt32, answer: RunnerAnswer)] = []
        for byte in frames.readableBytesView { answers += try decoder.feed(ByteBuffer(bytes: [byte])) }
        #expect(answers.map(\.id) == [7, 7])
        #expect(answers.map(\.answer) == [.started(pid: 42), .exit(status: -1, truncated: true)])

        for (length, type, payload) in [(UInt32(4), UInt8(0x82), 0), (UInt32(RunnerAnswerDecoder.maxFrame + 1), 0x82, 0),
                                        (5 + 3, 0x84, 3), (5, 0x7F, 0)] {
            var bad = ByteBuffer()
            bad.writeMultipleIntegers(length, type, UInt32(1))
            bad.writeRepeatingByte(0, count: payload)
            var fresh = RunnerAnswerDecoder()
            #expect(throws: RunnerProtocolError.self, "length \(length), type \(type)") { try fresh.feed(bad) }
        }
    }
}
