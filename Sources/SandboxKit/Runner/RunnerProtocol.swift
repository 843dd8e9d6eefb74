import CRunnerProtocol
import Foundation
import NIOCore

/// The frames `sandbox-runner serve` reads and writes (runner/protocol.h names them, runner/serve.c lays out each payload):
/// u32 length (big-endian, of what follows), u8 type, u32 request id, payload.
enum RunnerRequest {
    case exec(token: String, workDir: String, environment: [String], argv: [String], timeoutMilliseconds: UInt32, cap: UInt32)
    case cancel
    /// `mode` nil: the existing file's permission bits, else 0644. The content goes as slices of
    /// the caller's `Data` (which share its storage), copied once: into the frame.
    case write(path: String, mode: UInt32?, first: Data)
    case writeData(Data)
    case writeEnd
    case read(path: String, limit: UInt64)
    /// Answered at once by a runner that reads its requests: how a silent session is told from a dead one.
    case ping
    /// A command started in a session something in the sandbox killed, found again by its token
    /// (runner/init.c runs it on): its output from now on and its exit, or ERROR ENOENT.
    case wait(token: String, cap: UInt32)
    /// From now on the session's file requests act as this user (``SandboxAccount/runnerSpec``).
    case user(spec: String)

    /// The most the runner accepts in one frame (its MAX_REQUEST, less room for a write's path).
    static let maxFrame = Int(MAX_REQUEST_CONTENT)
    /// A write's content goes in chunks of this size.
    static let chunk = 512 * 1024

    var type: UInt8 {
        let type: runner_request = switch self {
        case .exec: T_EXEC
        case .cancel: T_CANCEL
        case .write: T_WRITE
        case .writeData: T_WDATA
        case .writeEnd: T_WEND
        case .read: T_READ
        case .ping: T_PING
        case .wait: T_WAIT
        case .user: T_USER
        }
        return UInt8(type.rawValue)
    }

    /// The frame, its payload written in place after the header (no intermediate buffer).
    func encoded(id: UInt32) throws -> ByteBuffer {
        var frame = ByteBuffer()
        switch self {  // a file's chunk is copied once, into room made for it
        case .write(let path, _, let first): frame.reserveCapacity(14 + path.utf8.count + first.count)
        case .writeData(let data): frame.reserveCapacity(9 + data.count)
        default: break
        }
        frame.writeMultipleIntegers(UInt32(0), type, id)  // the length, set below
        switch self {
        case .exec(let token, let workDir, let environment, let argv, let timeout, let cap):
            guard let envCount = UInt16(exactly: environment.count), let argCount = UInt16(exactly: argv.count) else {
                throw SandboxError.invalidArgument("too many environment variables or arguments for one command")
            }
            frame.writeMultipleIntegers(timeout, cap, envCount, argCount)
            for string in [token, workDir] + environment + argv { try frame.writeNulTerminated(string) }
        case .cancel, .writeEnd, .ping:
            break
        case .write(let path, let mode, let first):
            frame.writeInteger(mode ?? KEEP_MODE)
            try frame.writeNulTerminated(path)
            frame.writeBytes(first)
        case .writeData(let data):
            frame.writeBytes(data)
        case .read(let path, let limit):
            frame.writeInteger(limit)
            try frame.writeNulTerminated(path)
        case .wait(let token, let cap):
            frame.writeInteger(cap)
            try frame.writeNulTerminated(token)
        case .user(let spec):
            try frame.writeNulTerminated(spec)
        }
        let length = frame.readableBytes - 4
        guard length - 5 <= Self.maxFrame else {
            throw SandboxError.invalidArgument("the command is too long (over \(Self.maxFrame / 1024) KiB with its environment)")
        }
        frame.setInteger(UInt32(length), at: frame.readerIndex)
        return frame
    }
}

/// What the runner says, for one request (or, for `hello`, for the session).
enum RunnerAnswer: Equatable {
    case hello(version: String)
    case started(pid: UInt32)
    case stdout(ByteBuffer)
    case stderr(ByteBuffer)
    case exit(status: Int32, truncated: Bool)
    case error(code: UInt32, message: String)
    case ok
    case data(ByteBuffer)
    case end(size: UInt64)
    case pong

    /// An error's code for an exec whose program (`sh`) is nowhere on PATH.
    static let noProgram = ERR_NO_PROGRAM.rawValue
}

/// The runner is inside the sandbox, so what it sends is checked like any outside input: a
/// frame over ``maxFrame``, of an unknown type or with a short payload ends the session.
struct RunnerProtocolError: Error, CustomStringConvertible {
    var description: String
}

/// Splits the runner's stdout into answers; input may be split anywhere.
struct RunnerAnswerDecoder {
    /// The runner's largest frame is a 256 KiB read chunk; anything far over it is not ours.
    static let maxFrame = 1024 * 1024
    private var buffer = ByteBuffer()

    mutating func feed(_ bytes: ByteBuffer) throws -> [(id: UInt32, answer: RunnerAnswer)] {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
        var answers: [(UInt32, RunnerAnswer)] = []
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) {
            guard length >= 5, length <= Self.maxFrame else {
                throw RunnerProtocolError(description: Self.describe(buffer))
            }
            guard buffer.readableBytes >= 4 + Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: 4)
            guard let type = buffer.readInteger(as: UInt8.self), let id = buffer.readInteger(as: UInt32.self),
                  var payload = buffer.readSlice(length: Int(length) - 5) else { break }
            answers.append((id, try Self.answer(type: type, payload: &payload)))
        }
        buffer.discardReadBytes()
        return answers
    }

    private static func answer(type: UInt8, payload: inout ByteBuffer) throws -> RunnerAnswer {
        func short() -> RunnerProtocolError { RunnerProtocolError(description: "a short answer of type \(type) from the runner") }
        switch runner_answer(UInt32(type)) {
        case A_HELLO: return .hello(version: payload.readString(length: payload.readableBytes) ?? "")
        case A_STARTED:
            guard let pid = payload.readInteger(as: UInt32.self) else { throw short() }
            return .started(pid: pid)
        case A_STDOUT: return .stdout(payload)
        case A_STDERR: return .stderr(payload)
        case A_EXIT:
            guard let (status, truncated, _) = payload.readMultipleIntegers(as: (Int32, UInt8, UInt64).self) else { throw short() }
            return .exit(status: status, truncated: truncated != 0)
        case A_ERROR:
            guard let code = payload.readInteger(as: UInt32.self) else { throw short() }
            return .error(code: code, message: String(decoding: payload.readableBytesView.prefix(4096), as: UTF8.self))
        case A_OK: return .ok
        case A_DATA: return .data(payload)
        case A_END:
            guard let size = payload.readInteger(as: UInt64.self) else { throw short() }
            return .end(size: size)
        case A_PONG: return .pong
        default: throw RunnerProtocolError(description: "an answer of unknown type \(type) from the runner")
        }
    }

    /// What came instead of a frame, for the message: often the runtime's own words
    /// ("OCI runtime exec failed: …") when the runner could not start.
    private static func describe(_ buffer: ByteBuffer) -> String {
        let text = String(decoding: buffer.readableBytesView.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "a malformed frame from the runner" : text
    }
}

extension ByteBuffer {
    fileprivate mutating func writeNulTerminated(_ string: String) throws {
        guard !string.utf8.contains(0) else { throw SandboxError.invalidArgument("a NUL byte in \(string.debugDescription.prefix(60))") }
        writeString(string)
        writeInteger(UInt8(0))
    }
}
