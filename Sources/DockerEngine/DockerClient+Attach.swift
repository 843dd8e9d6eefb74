import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// An exec with its stdin attached: `POST /exec/{id}/start` with the connection hijacked
/// (`Upgrade: tcp`), after which the socket carries the process's stdin one way and its
/// multiplexed output the other. AsyncHTTPClient cannot hand a connection over, so this speaks
/// HTTP/1.1 itself on a SwiftNIO channel of its own.
extension DockerClient {
    /// Starts exec `id` attached and runs `body` with its output and its input; the connection
    /// is closed when `body` returns or throws (the daemon then closes the process's stdin).
    public func withAttachedExec<T>(_ id: String, _ body: (inout AttachedExecOutput, AttachedExecInput) async throws -> T) async throws -> T {
        try await hijackExec(id, tty: false) { iterator, leftover, outbound in
            var output = AttachedExecOutput(iterator: iterator, pending: leftover, client: self)
            return try await body(&output, AttachedExecInput(writer: outbound))
        }
    }

    /// Starts exec `id` on a hijacked connection (`tty` must match how it was created) and runs
    /// `body` with the inbound stream, the bytes already read past the answer's head, and the writer.
    func hijackExec<T>(_ id: String, tty: Bool, _ body: (NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, ByteBuffer,
                                                          NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T) async throws -> T {
        let version = try await apiVersion()
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do { channel = try await connectRaw() } catch {
            throw DockerError.daemonUnreachable(host, detail: "\(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let json = #"{"Detach":false,"Tty":"# + (tty ? "true" : "false") + "}"
            let head = "POST /v\(version)/exec/\(id)/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: sandbox\r\n"
                + "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
            try await outbound.write(ByteBuffer(string: head + json))
            var iterator = inbound.makeAsyncIterator()
            let leftover = try await readResponseHead(&iterator)
            return try await body(iterator, leftover, outbound)
        }
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
