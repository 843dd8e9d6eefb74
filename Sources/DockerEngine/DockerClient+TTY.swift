import NIOCore

/// An exec on a terminal of its own (created with `tty: true` and stdin attached): what it prints
/// comes raw, as a terminal would show it, not multiplexed.
extension DockerClient {
    /// Starts TTY exec `id` and runs `body` with its output and its input; the connection is
    /// closed when `body` returns or throws (which does not end the process: see the notes on
    /// closing an exec stream).
    public func withTTYExec<T>(_ id: String, _ body: (inout TTYExecOutput, AttachedExecInput) async throws -> T) async throws -> T {
        try await hijackExec(id, tty: true) { iterator, leftover, outbound in
            var output = TTYExecOutput(iterator: iterator, pending: leftover, client: self)
            return try await body(&output, AttachedExecInput(writer: outbound))
        }
    }

    /// `POST /exec/{id}/resize`: the exec's terminal becomes `height` rows by `width` columns
    /// (its process gets SIGWINCH). Only for an exec started with a TTY.
    public func resizeExec(_ id: String, height: Int, width: Int) async throws {
        try await call(.POST, "/exec/\(id)/resize", query: [("h", String(height)), ("w", String(width))])
    }
}

/// What a TTY exec prints, in chunks as they arrive; nil once the process has closed its terminal.
public struct TTYExecOutput {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending: ByteBuffer?
    let client: DockerClient

    init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, pending: ByteBuffer, client: DockerClient) {
        (self.iterator, self.client) = (iterator, client)
        self.pending = pending.readableBytes > 0 ? pending : nil
    }

    public mutating func next() async throws -> ByteBuffer? {
        if let chunk = pending {
            pending = nil
            return chunk
        }
        do { return try await iterator.next() } catch {
            throw DockerError.daemonUnreachable(client.host, detail: "the terminal's connection failed: \(error)")
        }
    }
}
