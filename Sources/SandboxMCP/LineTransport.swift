import Foundation
import Logging
import MCP
import Synchronization

/// MCP on stdin and stdout, one JSON message a line. Ours rather than the SDK's StdioTransport:
/// that one scans its whole buffer again after each 4 KiB read (a 1 MiB argument took seconds),
/// and the server drops the error of a failed reply, where a closed stdout (EPIPE, with SIGPIPE
/// ignored) must end the server like a closed stdin does.
actor LineTransport: Transport {
    nonisolated let logger = Logger(label: "sandbox.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    private let (messages, incoming) = AsyncThrowingStream.makeStream(of: Data.self)
    private let onBrokenOutput: @Sendable () -> Void
    private var connected = false

    struct OutputClosed: Error { var errno: Int32 }

    init(onBrokenOutput: @escaping @Sendable () -> Void) { self.onBrokenOutput = onBrokenOutput }

    func connect() async throws {
        guard !connected else { return }
        connected = true
        let incoming = incoming
        // A blocking read on a thread of its own: no polling, and the cooperative pool stays free.
        let unanswered = unanswered
        Thread.detachNewThread { Self.readLines(into: incoming, noting: unanswered) }
    }

    func disconnect() async { incoming.finish() }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// Requests read whose answers are not written yet.
    private let unanswered = Unanswered()

    /// Returns once every request read has been answered, or after `limit`.
    func waitForAnswers(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !unanswered.isEmpty, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func send(_ data: Data) async throws {
        unanswered.wrote(data)
        var line = data
        line.append(UInt8(ascii: "\n"))
        let failure: Int32? = line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure {
            onBrokenOutput()
            throw OutputClosed(errno: failure)
        }
    }

    /// The longest line taken (a 1 MiB tool argument is about 1 MiB of JSON).
    static let maximumLine = 64 << 20

    /// Yields each line of stdin; each byte is looked at once. EOF (or a read error) ends the stream.
    private static func readLines(into stream: AsyncThrowingStream<Data, any Error>.Continuation, noting unanswered: Unanswered) {
        var pending = [UInt8](), chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let scanned = pending.count
            pending.append(contentsOf: chunk[..<count])
            var lineStart = 0, from = scanned
            while let newline = pending[from...].firstIndex(of: UInt8(ascii: "\n")) {
                if newline > lineStart {
                    let line = Data(pending[lineStart..<newline])
                    unanswered.read(line)
                    stream.yield(line)
                }
                lineStart = newline + 1
                from = lineStart
            }
            pending.removeFirst(lineStart)
            // A line this long is no MCP message: end as if the client had gone, which removes
            // the sandbox, rather than grow until the kernel kills us and nothing is cleaned up.
            if pending.count > maximumLine { break }
        }
        stream.finish()
    }
}

/// The ids of requests read and not yet answered (a request has a method and an id; its answer
/// has the same id and no method).
final class Unanswered: Sendable {
    private let ids = Mutex<Set<String>>([])

    var isEmpty: Bool { ids.withLock { $0.isEmpty } }

    func read(_ line: Data) {
        guard let (id, isRequest) = Self.identify(line), isRequest else { return }
        ids.withLock { _ = $0.insert(id) }
    }

    func wrote(_ message: Data) {
        guard let (id, isRequest) = Self.identify(message), !isRequest else { return }
        ids.withLock { _ = $0.remove(id) }
    }

    private static func identify(_ message: Data) -> (id: String, isRequest: Bool)? {
        guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any], let id = object["id"] else { return nil }
        let key = (id as? String).map { "s:" + $0 } ?? (id as? NSNumber).map { "n:\($0)" } ?? "\(id)"
        return (key, object["method"] != nil)
    }
}
