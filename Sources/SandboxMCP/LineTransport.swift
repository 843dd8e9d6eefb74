import Foundation
import Logging
import MCP

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
        Thread.detachNewThread { Self.readLines(into: incoming) }
    }

    func disconnect() async { incoming.finish() }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    func send(_ data: Data) async throws {
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
    private static func readLines(into stream: AsyncThrowingStream<Data, any Error>.Continuation) {
        var pending = [UInt8](), chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let scanned = pending.count
            pending.append(contentsOf: chunk[..<count])
            var lineStart = 0, from = scanned
            while let newline = pending[from...].firstIndex(of: UInt8(ascii: "\n")) {
                if newline > lineStart { stream.yield(Data(pending[lineStart..<newline])) }
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
