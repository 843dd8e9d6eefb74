import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// An exec (or a container) with its stdin attached: `POST /exec/{id}/start` with the connection
/// hijacked (`Upgrade: tcp`), after which the socket carries the process's stdin one way and its
/// multiplexed output the other. AsyncHTTPClient cannot hand a connection over, so this speaks
/// HTTP/1.1 itself on a SwiftNIO channel of its own.
extension DockerClient {
    /// How long the daemon may take to answer an exec's start on a hijacked connection: one that
    /// accepts and never answers (a stuck daemon, a proxy holding the connection) is given up.
    public static let attachAnswerDeadline = Duration.seconds(10)

    /// Starts exec `id` attached and runs `body` with its output and its input; the connection
    /// is closed when `body` returns or throws (the daemon then closes the process's stdin).
    /// `answerWithin`: the most the daemon may take to answer the start.
    public func withAttachedExec<T>(_ id: String, answerWithin deadline: Duration = attachAnswerDeadline,
                                    _ body: (inout AttachedExecOutput, AttachedExecInput) async throws -> T) async throws -> T {
        try await hijackExec(id, tty: false, answerWithin: deadline) { iterator, leftover, outbound in
            var output = AttachedExecOutput(iterator: iterator, pending: leftover, client: self)
            return try await body(&output, AttachedExecInput(writer: outbound))
        }
    }

    /// Attaches to container `id`'s stdin, stdout and stderr (`POST /containers/{id}/attach`,
    /// hijacked) and runs `body` as ``withAttachedExec(_:answerWithin:_:)`` does. Attached before
    /// the container starts, nothing it prints is missed. It must have been created with
    /// `OpenStdin` and no TTY; with `StdinOnce`, `finish()` closes its stdin for good.
    public func withAttachedContainer<T>(_ id: String, answerWithin deadline: Duration = attachAnswerDeadline,
                                         _ body: (inout AttachedExecOutput, AttachedExecInput) async throws -> T) async throws -> T {
        try await hijack("/containers/\(id)/attach?stream=1&stdin=1&stdout=1&stderr=1", json: "",
                         what: "the attach to container \(id.prefix(12))", answerWithin: deadline) { iterator, leftover, outbound in
            var output = AttachedExecOutput(iterator: iterator, pending: leftover, client: self)
            return try await body(&output, AttachedExecInput(writer: outbound))
        }
    }

    /// Starts exec `id` on a hijacked connection (`tty` must match how it was created) and runs
    /// `body` with the inbound stream, the bytes already read past the answer's head, and the writer.
    /// A head that does not come within `deadline` closes the connection and throws.
    func hijackExec<T>(_ id: String, tty: Bool, answerWithin deadline: Duration = attachAnswerDeadline, _ body: (NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, ByteBuffer,
                                                          NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T) async throws -> T {
        try await hijack("/exec/\(id)/start", json: #"{"Detach":false,"Tty":"# + (tty ? "true" : "false") + "}",
                         what: "the start of exec \(id.prefix(12))", answerWithin: deadline, body)
    }

    /// POSTs to `path` (under the API version) asking for the connection (`Upgrade: tcp`), then
    /// runs `body` on it as ``hijackExec(_:tty:answerWithin:_:)`` says; `what` names the request in errors.
    private func hijack<T>(_ path: String, json: String, what: String, answerWithin deadline: Duration,
                           _ body: (NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, ByteBuffer,
                                    NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T) async throws -> T {
        let version = try await apiVersion()
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do { channel = try await connectRaw() } catch {
            throw DockerError.daemonUnreachable(host, detail: "\(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let head = "POST /v\(version)\(path) HTTP/1.1\r\nHost: docker\r\nUser-Agent: sandbox\r\n"
                + "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
            try await outbound.write(ByteBuffer(string: head + json))
            var iterator = inbound.makeAsyncIterator()
            let timer = channel.channel.eventLoop.scheduleTask(in: Self.timeAmount(deadline)) {
                channel.channel.close(promise: nil)
            }
            let leftover: ByteBuffer
            do {
                leftover = try await readResponseHead(&iterator)
                timer.cancel()
            } catch {
                timer.cancel()
                // The timer ran (its future succeeded): the close it made is why the read ended.
                if (try? await timer.futureResult.get()) != nil {
                    throw DockerError.daemonUnreachable(host, detail: "it accepted the connection but did not answer \(what) within \(deadline)")
                }
                throw error
            }
            return try await body(iterator, leftover, outbound)
        }
    }

    /// `duration` for NIO's scheduler, clamped (no overflow for any Duration).
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = max(0, seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? Int64.max / 2 : min(Int64.max / 2, whole) + max(0, attoseconds) / 1_000_000_000)
    }

    private func connectRaw() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(3))
        let configuration = NIOAsyncChannel<ByteBuffer, ByteBuffer>.Configuration(isOutboundHalfClosureEnabled: true)
        let ssl = try tls.map { try NIOSSLContext(configuration: $0) }
        let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let ssl, case .tcp(let host, _) = self.host {
                    // SNI takes names only; an address is checked against the certificate's IP entries.
                    let name = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: ssl, serverHostname: name))
                }
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel, configuration: configuration)
            }
        }
        switch host {
        case .unix(let path): return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap)
        case .tcp(let host, let port): return try await bootstrap.connect(host: host, port: port, channelInitializer: wrap)
        case .ssh:
            try await transportReady()
            return try await bootstrap.connect(unixDomainSocketPath: bridge?.socketPath ?? "", channelInitializer: wrap)
        }
    }

    /// Reads the answer's head (at most 64 KiB): `101` or `200` hand the connection over and
    /// return the bytes after it; anything else is the API's error.
    private func readResponseHead(_ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> ByteBuffer {
        var received = ByteBuffer()
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = received.readableBytesView.firstRange(of: separator) {
                let headLength = end.upperBound - received.readableBytesView.startIndex
                let head = received.readString(length: headLength) ?? ""
                let statusLine = head.prefix { $0 != "\r" }
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, let status = Int(parts[1]) else {
                    throw DockerError.api(status: 0, message: "the daemon answered an attach with \(statusLine.prefix(80))")
                }
                if status == 101 || status == 200 { return received }
                // An error's JSON body; the daemon closes the connection after it.
                while received.readableBytes < 64 * 1024, var more = try await iterator.next() { received.writeBuffer(&more) }
                throw Self.apiError(status: status, body: Data(received.readableBytesView))
            }
            guard received.readableBytes < 64 * 1024, var chunk = try await iterator.next() else {
                throw DockerError.daemonUnreachable(host, detail: "the connection closed before the daemon answered the attach")
            }
            received.writeBuffer(&chunk)
        }
    }
}

/// What an attached exec prints: stdout and stderr frames in arrival order, nil at its end.
public struct AttachedExecOutput {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending: ByteBuffer
    var decoder = MultiplexedStreamDecoder()
    var frames: [OutputFrame] = []
    let client: DockerClient

    init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, pending: ByteBuffer, client: DockerClient) {
        (self.iterator, self.pending, self.client) = (iterator, pending, client)
    }

    public mutating func next() async throws -> OutputFrame? {
        while frames.isEmpty {
            if pending.readableBytes > 0 {
                frames = try decoder.feed(pending).reversed()
                pending.clear()
                continue
            }
            let chunk: ByteBuffer?
            do { chunk = try await iterator.next() } catch {
                throw DockerError.daemonUnreachable(client.host, detail: "the attached exec's connection failed: \(error)")
            }
            guard let chunk else {
                try decoder.finish()
                return nil
            }
            pending = chunk
        }
        return frames.removeLast()
    }
}

/// The process's stdin. `finish()` closes it (the process reads end of file).
public struct AttachedExecInput: Sendable {
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

    public func write(_ bytes: ByteBuffer) async throws { try await writer.write(bytes) }

    public func finish() { writer.finish() }
}
