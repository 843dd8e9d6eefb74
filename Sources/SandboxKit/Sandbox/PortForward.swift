import DockerEngine
import Foundation
import NIOCore
import NIOPosix

/// A port on this machine forwarded to a TCP port inside a sandbox, over the Docker API alone (so
/// a remote daemon works, and nothing is published): each connection accepted here is an attached
/// exec of `sandbox-runner connect PORT` (runner/connect.c) in the sandbox, pumping both ways.
/// Each direction holds back only itself (the channel's and the exec's backpressure); a client
/// that stops sending half-closes the connection to the server, which still answers.
public final class PortForward: Sendable {
    /// The port inside the sandbox.
    public let remotePort: Int
    /// Where this machine's end listens.
    public let localHost: String
    public let localPort: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let accepting: Task<Void, Never>

    /// `HOST:PORT` to connect to here.
    public var localAddress: String { localHost.contains(":") ? "[\(localHost)]:\(localPort)" : "\(localHost):\(localPort)" }

    /// Listens on `localHost:localPort` (0: any free port) and forwards each connection to
    /// `port` inside `sandbox`. `onProblem` hears what went wrong with a connection (nothing
    /// listening in the sandbox, say); the forward goes on.
    public static func open(_ sandbox: DockerSandbox, port: Int, localHost: String = "127.0.0.1", localPort: Int = 0,
                            onProblem: @escaping @Sendable (String) -> Void = { _ in }) async throws -> PortForward {
        guard (1...65535).contains(port) else { throw SandboxError.invalidArgument("the port in the sandbox must be from 1 to 65535, not \(port)") }
        guard (0...65535).contains(localPort) else { throw SandboxError.invalidArgument("the local port must be from 0 to 65535, not \(localPort)") }
        let (runner, container) = try await sandbox.jobRunner()
        let client = try await sandbox.docker()
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .bind(host: localHost, port: localPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                    configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
        } catch {
            throw SandboxError.invalidArgument("cannot listen on \(localHost):\(localPort) here (\(error)); pick another local port")
        }
        let name = sandbox.name
        let accepting = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask {
                                await carry(connection, port: port, runner: runner, container: container, client: client, onProblem: onProblem)
                            }
                        }
                    }
                } catch {
                    onProblem("the forward of port \(port) of \(name) stopped accepting connections: \(error)")
                }
                group.cancelAll()  // closed: its connections end too
            }
        }
        return PortForward(remotePort: port, localHost: localHost, localPort: server.channel.localAddress?.port ?? localPort,
                           server: server, accepting: accepting)
    }

    private init(remotePort: Int, localHost: String, localPort: Int,
                 server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, accepting: Task<Void, Never>) {
        (self.remotePort, self.localHost, self.localPort, self.server, self.accepting) = (remotePort, localHost, localPort, server, accepting)
    }

    /// Stops listening and ends every connection; the local port is free when this returns.
    public func close() async {
        try? await server.channel.close()
        await accepting.value
    }

    /// How long, after the server has finished, a client may take to close its side: until then
    /// what was sent to it may still be on its way.
    static let lingering = Duration.seconds(30)

    /// One connection: the client's bytes go to `connect`'s stdin as frames (u32 length, bytes; an
    /// empty one when the client has finished sending); its stdout comes back as the server's bytes.
    private static func carry(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, port: Int, runner: String, container: String,
                              client: DockerClient, onProblem: @escaping @Sendable (String) -> Void) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                let exec = try await client.createExec(container: container, .init(cmd: [runner, "connect", String(port)], attachStdin: true))
                try await client.withAttachedExec(exec) { output, input in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            do {
                                for try await var chunk in inbound {
                                    var frame = ByteBuffer()
                                    frame.writeInteger(UInt32(chunk.readableBytes))
                                    frame.writeBuffer(&chunk)
                                    try await input.write(frame)
                                }
                                try await input.write(ByteBuffer(bytes: [0, 0, 0, 0]))
                            } catch {}  // the client reset, or `connect` ended: the other side tells
                        }
                        var complaint = ""
                        while let frame = try await output.next() {
                            if frame.stream == .stdout {
                                try await outbound.write(frame.bytes)
                            } else if complaint.utf8.count < 1000 {
                                complaint += String(buffer: frame.bytes)
                            }
                        }
                        outbound.finish()
                        if !complaint.isEmpty { onProblem(complaint.trimmingCharacters(in: .whitespacesAndNewlines)) }
                        group.addTask { try await Task.sleep(for: lingering) }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            }
        } catch is CancellationError {
        } catch {
            onProblem("a connection to port \(port) failed: \(SandboxError.wrap(error))")
        }
    }
}
