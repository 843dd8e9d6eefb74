import CRunnerProtocol
import Foundation
import NIOCore
@testable import SandboxKit

/// `sandbox-runner serve` as a child of this process, without Docker: requests written as the
/// engine writes them, answers read by the engine's own decoder.
final class LocalRunner {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private var decoder = RunnerAnswerDecoder()
    private var pending: [(id: UInt32, answer: RunnerAnswer)] = []
    private(set) var ended = false

    /// `asNobody`: under `setpriv` as uid 65534, so what a fuzzed request makes it do can touch nothing of ours.
    init(asNobody: Bool = false) throws {
        guard case .success(let runner) = RunnerBinary.located else { throw RunnerProtocolError(description: "no runner: make runner") }
        if asNobody {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", runner.path, "serve"]
        } else {
            process.executableURL = URL(fileURLWithPath: runner.path)
            process.arguments = ["serve"]
        }
        (process.standardInput, process.standardOutput) = (input, output)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    func send(_ request: RunnerRequest, id: UInt32) throws {
        try write(Array(try request.encoded(id: id).readableBytesView))
    }

    func write(_ bytes: [UInt8]) throws {
        try input.fileHandleForWriting.write(contentsOf: bytes)
    }

    func closeInput() throws { try input.fileHandleForWriting.close() }

    /// The next answer (for any request), waiting `seconds` at most; nil at the end of the session.
    func next(within seconds: Double = 10) throws -> (id: UInt32, answer: RunnerAnswer)? {
        let deadline = Date().addingTimeInterval(seconds)
        while pending.isEmpty {
            guard !ended else { return nil }
            var polled = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard poll(&polled, 1, left) == 1 else { throw RunnerProtocolError(description: "the runner said nothing within \(seconds) s") }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = read(polled.fd, &buffer, buffer.count)
            if n <= 0 {
                ended = true
                return nil
            }
            pending += try decoder.feed(ByteBuffer(bytes: buffer[..<n]))
        }
        return pending.removeFirst()
    }

    /// Every answer to request `id` up to its last (EXIT, ERROR, OK, END or PONG).
    func answers(to id: UInt32) throws -> [RunnerAnswer] {
        var answers: [RunnerAnswer] = []
        while let (from, answer) = try next() {
            guard from == id else { continue }
            answers.append(answer)
            switch answer {
            case .exit, .error, .ok, .end, .pong: return answers
            default: continue
            }
        }
        return answers
    }

    /// Waits for the process's end (10 s at most); its termination reason and status.
    func waitForEnd() -> (Process.TerminationReason, Int32)? {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        return process.isRunning ? nil : (process.terminationReason, process.terminationStatus)
    }
}
