import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Exec endpoints: run a process in a running container and stream what it prints.
extension DockerClient {
    public struct ExecConfig: Encodable, Sendable {
        public var cmd: [String]
        public var env: [String]
        public var workingDir: String?
        /// `UID:GID` (or a name) it runs as; nil: the container's user.
        public var user: String?
        /// With stdin attached, start it with ``DockerClient/withAttachedExec(_:_:)``.
        public var attachStdin = false
        public var attachStdout = true
        public var attachStderr = true
        public var tty = false

        /// With `tty`, start it with ``DockerClient/withTTYExec(_:_:)``.
        public init(cmd: [String], env: [String] = [], workingDir: String? = nil, user: String? = nil, attachStdin: Bool = false, tty: Bool = false) {
            (self.cmd, self.env, self.workingDir, self.user, self.attachStdin, self.tty) = (cmd, env, workingDir, user, attachStdin, tty)
        }

        enum CodingKeys: String, CodingKey {
            case cmd = "Cmd", env = "Env", workingDir = "WorkingDir", user = "User", attachStdin = "AttachStdin", attachStdout = "AttachStdout"
            case attachStderr = "AttachStderr", tty = "Tty"
        }
    }

    /// `POST /containers/{id}/exec`; returns the exec id.
    public func createExec(container: String, _ config: ExecConfig) async throws -> String {
        struct Created: Decodable { var Id: String }
        return try await json(Created.self, .POST, "/containers/\(container)/exec", jsonBody: config).Id
    }

    /// `POST /exec/{id}/start` without hijacking: the daemon streams the process's output until it
    /// exits, multiplexed into ``MultiplexedStreamDecoder`` frames (we never ask for a TTY).
    public func startExec(_ id: String) async throws -> ExecOutput {
        struct Start: Encodable { var Detach = false; var Tty = false }
        let response = try await send(.POST, "/exec/\(id)/start", body: try Self.encode(Start()),
                                      contentType: "application/json", deadline: .distantFuture)
        return ExecOutput(body: response.body, client: self)
    }

    public func inspectExec(_ id: String) async throws -> ExecInspect {
        try await json(ExecInspect.self, .GET, "/exec/\(id)/json")
    }
}

/// The demultiplexed output of an exec: chunks of stdout and stderr bytes in arrival order.
public struct ExecOutput: AsyncSequence, Sendable {
    public typealias Element = OutputFrame
    let body: DaemonBody
    let client: DockerClient

    public struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: DaemonBody.AsyncIterator
        var decoder = MultiplexedStreamDecoder()
        var pending: [OutputFrame] = []
        let client: DockerClient

        public mutating func next() async throws -> OutputFrame? {
            while pending.isEmpty {
                let chunk: ByteBuffer?
                do { chunk = try await upstream.next() } catch { throw client.classify(error) }
                guard let chunk else {
                    try decoder.finish()
                    return nil
                }
                pending = try decoder.feed(chunk).reversed()
            }
            return pending.removeLast()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: body.makeAsyncIterator(), client: client)
    }
}
