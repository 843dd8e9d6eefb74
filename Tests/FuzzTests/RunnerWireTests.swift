import CRunnerProtocol
import Foundation
import NIOCore
@testable import SandboxKit
import Testing

/// The runner's wire as both sides compile it (runner/protocol.h): `sandbox-runner serve` run
/// here, without Docker, driven with every request type by the engine's own encoder, its answers
/// read by the engine's own decoder.
@Suite(.serialized) struct RunnerContractTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("runner-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
    }

    func exec(_ runner: LocalRunner, id: UInt32, _ script: String, environment: [String] = [], timeout: UInt32 = 0, cap: UInt32 = 0) throws
        -> (stdout: String, stderr: String, last: RunnerAnswer?) {
        try runner.send(.exec(token: "t\(id)", workDir: directory.path, environment: environment, argv: ["sh", "-c", script],
                              timeoutMilliseconds: timeout, cap: cap), id: id)
        var out = "", err = ""
        let answers = try runner.answers(to: id)
        for answer in answers {
            if case .stdout(let bytes) = answer { out += String(buffer: bytes) }
            if case .stderr(let bytes) = answer { err += String(buffer: bytes) }
        }
        return (out, err, answers.last)
    }

    @Test func everyRequestGetsItsAnswers() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runner = try LocalRunner()
        #expect(try runner.next()?.answer == .hello(version: RUNNER_VERSION), "the greeting, first, with the header's version")
        try runner.send(.ping, id: 1)
        #expect(try runner.answers(to: 1) == [.pong])

        let ran = try exec(runner, id: 2, "echo out; echo err >&2; exit 3")
        #expect(ran.stdout == "out\n" && ran.stderr == "err\n" && ran.last == .exit(status: 3, truncated: false), "\(ran)")
        #expect(try exec(runner, id: 3, "printf 0123456789", cap: 4).stdout == "0123")
        #expect(try exec(runner, id: 4, "printf 0123456789", cap: 4).last == .exit(status: 0, truncated: true))
        // Past the cap the runner splices the rest away unread: 20 MiB on each stream, the first
        // characters kept, the command's end still heard.
        let big = try exec(runner, id: 40, "head -c 20971520 /dev/zero | tr '\\0' a; head -c 20971520 /dev/zero | tr '\\0' b >&2; exit 5", cap: 6)
        #expect(big.stdout == "aaaaaa" && big.stderr.isEmpty && big.last == .exit(status: 5, truncated: true), "\(big.stdout.count) \(big.stderr.count) \(String(describing: big.last))")
        #expect(try exec(runner, id: 5, "sleep 5", timeout: 200).last == .exit(status: 124, truncated: false))
        #expect(try exec(runner, id: 6, "exec no-such-program-here").last == .exit(status: 127, truncated: false))
        try runner.send(.exec(token: "t7", workDir: "/", environment: [], argv: ["no-such-program-here"], timeoutMilliseconds: 0, cap: 0), id: 7)
        #expect(try runner.answers(to: 7).last.map { if case .error(ERR_NO_PROGRAM.rawValue, _) = $0 { true } else { false } } == true)

        try runner.send(.exec(token: "t8", workDir: "/", environment: [], argv: ["sleep", "5"], timeoutMilliseconds: 0, cap: 0), id: 8)
        guard case .started? = try runner.next()?.answer else { Issue.record("no STARTED"); return }
        try runner.send(.cancel, id: 8)
        #expect(try runner.answers(to: 8).last == .exit(status: 130, truncated: false))

        // A file in two chunks, read back; a directory in the way; a limit; nothing there.
        let path = directory.appendingPathComponent("sub/file.bin").path
        try runner.send(.write(path: path, mode: nil, first: Data("first,".utf8)), id: 9)
        try runner.send(.writeData(Data("second".utf8)), id: 9)
        try runner.send(.writeEnd, id: 9)
        #expect(try runner.answers(to: 9) == [.ok])
        try runner.send(.read(path: path, limit: 1024), id: 10)
        #expect(try runner.answers(to: 10) == [.data(ByteBuffer(string: "first,second")), .end(size: 12)])
        try runner.send(.read(path: path, limit: 4), id: 11)
        #expect(try runner.answers(to: 11).last.map { if case .error(ERR_TOO_LARGE.rawValue, _) = $0 { true } else { false } } == true)
        try runner.send(.read(path: path + ".absent", limit: 4), id: 12)
        #expect(try runner.answers(to: 12).last.map { if case .error(UInt32(ENOENT), _) = $0 { true } else { false } } == true)
        try runner.send(.write(path: directory.appendingPathComponent("sub").path, mode: KEEP_MODE, first: Data("x".utf8)), id: 13)
        try runner.send(.writeEnd, id: 13)
        #expect(try runner.answers(to: 13).last.map { if case .error(UInt32(EISDIR), _) = $0 { true } else { false } } == true)

        // No init of ours here: a command is found again by nothing.
        try runner.send(.wait(token: "nobody-has-this", cap: 0), id: 14)
        #expect(try runner.answers(to: 14).last.map { if case .error(UInt32(ENOENT), _) = $0 { true } else { false } } == true)

        if getuid() == 0 {
            // USER: this session's files as uid 65534 from now on, and a command told so runs as it; once only.
            try runner.send(.user(spec: "65534:65534:65534"), id: 15)
            #expect(try runner.answers(to: 15) == [.ok])
            let owned = directory.appendingPathComponent("by-nobody").path
            try runner.send(.write(path: owned, mode: nil, first: Data("x".utf8)), id: 16)
            try runner.send(.writeEnd, id: 16)
            #expect(try runner.answers(to: 16) == [.ok])
            #expect((try FileManager.default.attributesOfItem(atPath: owned)[.ownerAccountID] as? NSNumber)?.intValue == 65534)
            try runner.send(.write(path: "/etc/runner-wire-test", mode: nil, first: Data("x".utf8)), id: 17)
            try runner.send(.writeEnd, id: 17)
            #expect(try runner.answers(to: 17).last.map { if case .error(UInt32(EACCES), _) = $0 { true } else { false } } == true)
            #expect(try exec(runner, id: 18, "id -u; echo ${\(USER_VARIABLE)-gone}", environment: ["\(USER_VARIABLE)=65534:65534"]).stdout == "65534\ngone\n")
            #expect(try exec(runner, id: 19, "id -u").stdout == "0\n", "a command not told runs as the runner")
            for (id, malformed) in [(21, "1:2:"), (22, "x"), (23, "2147483647:0"), (24, "1:2:3,")] as [(UInt32, String)] {
                #expect(try exec(runner, id: id, "id -u", environment: ["\(USER_VARIABLE)=\(malformed)"]).last == .exit(status: 126, truncated: false),
                        "a malformed user (\(malformed)) runs nothing, as root least of all")
            }
            try runner.send(.user(spec: "0:0"), id: 20)
            #expect(try runner.answers(to: 20).last.map { if case .error(UInt32(EPERM), _) = $0 { true } else { false } } == true)
        }

        // A frame shorter than its header ends the session: the client is broken.
        try runner.write([0, 0, 0, 2, 7, 0])
        while try runner.next() != nil {}
        #expect(runner.waitForEnd().map { $0.0 == .exit && $0.1 == 0 } == true)
    }

    /// The header is the only place these are written: the engine's values are the header's.
    @Test func theEngineSpeaksTheHeader() throws {
        #expect(RunnerBinary.version == RUNNER_VERSION && RunnerBinary.sessionOver == SESSION_OVER && RunnerBinary.userFile == USER_FILE)
        #expect(RunnerRequest.ping.type == UInt8(T_PING.rawValue) && RunnerRequest.user(spec: "1:1").type == UInt8(T_USER.rawValue))
        #expect(RunnerRequest.maxFrame == Int(MAX_REQUEST_CONTENT))
    }
}

/// Bytes from inside a sandbox are hostile, and so are bytes to a runner from a broken client:
/// neither side traps on them.
struct RunnerWireFuzzTests {
    /// Well-formed answers, mutated, cut and joined: an answer, an error, or more input wanted.
    @Test func theEngineDecodesAnyAnswerBytes() {
        var fuzz = Fuzz(0xA115)
        let frames: [[UInt8]] = [
            [0, 0, 0, 6, 0x80, 0, 0, 0, 0, 0x38], [0, 0, 0, 9, 0x81, 0, 0, 0, 1, 0, 0, 0, 42],
            [0, 0, 0, 18, 0x84, 0, 0, 0, 1, 0, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 9], [0, 0, 0, 11, 0x85, 0, 0, 0, 2, 0, 0, 3, 0xEB, 0x68, 0x69],
            [0, 0, 0, 7, 0x82, 0, 0, 0, 3, 0xC3, 0x28], [0, 0, 0, 13, 0x88, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1],
        ]
        for _ in 0..<20_000 {
            var bytes = (0..<Int.random(in: 1...4, using: &fuzz)).flatMap { _ in fuzz.pick(frames) }
            for _ in 0..<Int.random(in: 0...4, using: &fuzz) where !bytes.isEmpty {
                switch Int.random(in: 0..<3, using: &fuzz) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &fuzz)] = UInt8.random(in: 0...255, using: &fuzz)
                case 1: bytes.removeLast(Int.random(in: 0...min(5, bytes.count), using: &fuzz))
                default: bytes.insert(fuzz.pick([0, 0x80, 0xFF, 0x7F]), at: Int.random(in: 0...bytes.count, using: &fuzz))
                }
            }
            var decoder = RunnerAnswerDecoder()
            var at = 0
            while at < bytes.count {  // in pieces, as a pipe hands them over
                let end = min(bytes.count, at + Int.random(in: 1...8, using: &fuzz))
                guard (try? decoder.feed(ByteBuffer(bytes: bytes[at..<end]))) != nil else { break }
                at = end
            }
        }
    }

    /// Requests, mutated, to a real `serve` (as uid 65534: what a mutated request makes it do
    /// reaches nothing of ours): it answers or ends the session, never dies of a signal or hangs.
    @Test func theRunnerParsesAnyRequestBytes() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        var fuzz = Fuzz(0x5E77)
        let requests: [RunnerRequest] = [.ping, .cancel, .writeEnd, .writeData(Data("abc".utf8)), .read(path: "/nonexistent/x", limit: 10),
                                         .wait(token: "t", cap: 0), .user(spec: "65534:65534"),
                                         .exec(token: "t", workDir: "/", environment: ["A=1"], argv: ["true"], timeoutMilliseconds: 1000, cap: 1)]
        for round in 0..<200 {
            var bytes: [UInt8] = []
            for id in 0..<Int.random(in: 1...6, using: &fuzz) {
                bytes += (try? fuzz.pick(requests).encoded(id: UInt32(id)).readableBytesView).map(Array.init) ?? []
            }
            for _ in 0..<Int.random(in: 1...6, using: &fuzz) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &fuzz)
                switch Int.random(in: 0..<3, using: &fuzz) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &fuzz)
                case 1: bytes.remove(at: at)
                default: bytes.insert(fuzz.pick([0, 1, 9, 0xFF, 0x10]), at: at)
                }
            }
            let runner = try LocalRunner(asNobody: true)
            try? runner.write(bytes)
            try? runner.closeInput()
            let greeting = try? runner.next(within: 15)
            #expect(greeting?.answer == .hello(version: RUNNER_VERSION), "round \(round): the runner did not start")
            while (try? runner.next(within: 15)) != nil {}
            let end = runner.waitForEnd()
            #expect(end?.0 == .exit, "round \(round) (FUZZ_SEED=\(Fuzz.seed)): \(bytes) ended \(String(describing: end))")
        }
    }
}
