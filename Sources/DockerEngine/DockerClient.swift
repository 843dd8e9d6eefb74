import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A client for one Docker daemon. Cheap to share: one connection pool per client.
///
/// The API version is negotiated from `GET /_ping` on first use (the lower of the daemon's and
/// ``DockerClient/newestKnownAPIVersion``), never hard-coded into the paths.
public final class DockerClient: Sendable {
    public static let newestKnownAPIVersion = APIVersion(1, 47)
    /// Versions older than this lack fields the engine relies on (Init, PidsLimit, CapDrop).
    public static let oldestSupportedAPIVersion = APIVersion(1, 25)

    public let endpoint: DockerEndpoint
    public var host: DockerHost { endpoint.host }
    /// Every API call at debug level; the engine's decisions about this daemon's sandboxes at info.
    public let logger: Logger
    let http: HTTPClient
    /// The URL prefix AsyncHTTPClient is given: the socket, `http(s)://HOST:PORT`, or the ssh bridge's socket.
    let baseURL: String
    let tls: TLSConfiguration?
    /// Why the endpoint's client certificate or key could not be read: the first request says so.
    private let tlsProblem: DockerError?
    let bridge: SSHBridge?
    /// Requests in flight at once (each holds a connection); more wait their turn, see ``ConnectionGate``.
    let gate: ConnectionGate
    private let bridgeStart = Mutex<Task<Void, any Error>?>(nil)
    private let negotiated = Mutex<APIVersion?>(nil)

    /// A client for the daemon the docker CLI would use (``DockerEndpoint/resolve(host:context:environment:)``
    /// with this program's `--host`/`--context`), shared by everything in this process.
    public static func shared() throws -> DockerClient {
        let flags = DockerEndpoint.commandLine.withLock { $0 }
        let endpoint = try DockerEndpoint.resolve(host: flags.host, context: flags.context)
        return sharedClients.withLock { clients in
            if let client = clients[endpoint.description] { return client }
            let client = DockerClient(endpoint: endpoint)
            clients[endpoint.description] = client
            return client
        }
    }
    private static let sharedClients = Mutex<[String: DockerClient]>([:])

    public convenience init(host: DockerHost, logger: Logger? = nil) {
        self.init(endpoint: DockerEndpoint(host: host), logger: logger)
    }

    /// `logger` defaults to ``EngineLogging/defaultLogger`` (a no-op unless the program set one);
    /// `connectionLimit` to ``connectionLimit(_:)`` for the endpoint's kind.
    public init(endpoint: DockerEndpoint, logger: Logger? = nil, connectionLimit: Int? = nil) {
        self.endpoint = endpoint
        self.logger = logger ?? EngineLogging.defaultLogger
        switch endpoint.tls.map(Self.tlsConfiguration) {
        case .success(let configuration)?: (tls, tlsProblem) = (configuration, nil)
        case .failure(let problem)?: (tls, tlsProblem) = (nil, problem)
        case nil: (tls, tlsProblem) = (nil, nil)
        }
        if case .ssh(let user, let host, let port, let socket) = endpoint.host {
            bridge = SSHBridge(user: user, host: host, port: port, socket: socket)
        } else {
            bridge = nil
        }
        baseURL = Self.baseURL(endpoint, bridgeSocket: bridge?.socketPath)
        var config = HTTPClient.Configuration()
        config.tlsConfiguration = tls
        config.timeout = .init(connect: .seconds(3), read: nil)
        gate = ConnectionGate(capacity: max(1, connectionLimit ?? Self.connectionLimit(endpoint.host)))
        // Room past the gate for the streams it does not count (`/events`, one per watcher).
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: gate.capacity + 16)
        // A daemon that is down should be reported at once, not retried until a deadline.
        config.connectionPool.retryConnectionEstablishment = false
        config.decompression = .disabled
        config.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config)
    }

    /// Connections kept to one daemon: dockerd serves hundreds on its socket; over ssh each is a
    /// session of one multiplexed connection, and sshd allows 10 (`MaxSessions`) by default.
    public static func connectionLimit(_ host: DockerHost) -> Int {
        switch host {
        case .unix: 256
        case .tcp: 128
        case .ssh: 8
        }
    }

    /// Closes the connection pool; only needed for clients that are not ``shared()``.
    public func shutdown() async throws {
        bridge?.stop()
        try await http.shutdown()
    }

    // MARK: Version negotiation

    /// The API version used for requests, negotiating it on first call.
    public func apiVersion() async throws -> APIVersion {
        if let version = negotiated.withLock({ $0 }) { return version }
        try await transportReady()
        let ping = try await ping()
        let version = min(ping.apiVersion ?? Self.oldestSupportedAPIVersion, Self.newestKnownAPIVersion)
        negotiated.withLock { $0 = version }
        return version
    }

    public struct Ping: Sendable {
        public var apiVersion: APIVersion?
    }

    /// `GET /_ping`: answers whether the daemon is up, and which API version it speaks.
    public func ping() async throws -> Ping {
        try await transportReady()
        let response = try await perform(method: .GET, url: baseURL + "/_ping", body: nil, headers: [:], deadline: .now() + .seconds(5))
        let body = (try? await response.body.collect(upTo: 1024)).map { String(buffer: $0) } ?? ""
        if response.status == .badRequest, body.contains("HTTPS server") {
            throw DockerError.daemonUnreachable(host, detail: "it takes TLS clients only: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), or use a context made with its certificates")
        }
        guard response.status == .ok else { throw DockerError.api(status: Int(response.status.code), message: "ping failed") }
        return Ping(apiVersion: response.headers.first(name: "Api-Version").flatMap(APIVersion.init))
    }

    // MARK: Requests

    /// Sends a request to the versioned API and throws a ``DockerError`` for any answer >= 400.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String?)] = [],
        body: HTTPClientRequest.Body? = nil, contentType: String? = nil,
        headers extra: [String: String] = [:],
        deadline: NIODeadline = .now() + .seconds(120), gated: Bool = true
    ) async throws -> DaemonResponse {
        let version = try await apiVersion()
        var url = baseURL + "/v\(version)" + path
        let items = query.compactMap { key, value in value.map { "\(key)=\(Self.percentEncode($0))" } }
        if !items.isEmpty { url += "?" + items.joined(separator: "&") }
        var headers = extra
        if let contentType { headers["Content-Type"] = contentType }
        let response = try await perform(method: method, url: url, body: body, headers: headers, deadline: deadline, gated: gated)
        if response.status.code >= 400 {
            let data = (try? await response.body.collect(upTo: 64 * 1024)).map { Data(buffer: $0) } ?? Data()
            throw Self.apiError(status: Int(response.status.code), body: data)
        }
        return response
    }

    /// Sends a request and decodes a JSON answer.
    func json<T: Decodable>(
        _ type: T.Type, _ method: HTTPMethod, _ path: String, query: [(String, String?)] = [],
        jsonBody: (any Encodable)? = nil, limit: Int = 32 * 1024 * 1024
    ) async throws -> T {
        let response = try await send(method, path, query: query, body: try jsonBody.map(Self.encode),
                                      contentType: jsonBody == nil ? nil : "application/json")
        let buffer = try await collect(response.body, limit: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw DockerError.malformedResponse("\(method) \(path): \(error)")
        }
    }

    /// Sends a request whose answer carries nothing we need, and drains it.
    func call(_ method: HTTPMethod, _ path: String, query: [(String, String?)] = [], jsonBody: (any Encodable)? = nil) async throws {
        let response = try await send(method, path, query: query, body: try jsonBody.map(Self.encode),
                                      contentType: jsonBody == nil ? nil : "application/json")
        _ = try await collect(response.body, limit: 1024 * 1024)
    }

    func collect(_ body: DaemonBody, limit: Int) async throws -> ByteBuffer {
        do { return try await body.collect(upTo: limit) } catch { throw classify(error) }
    }

    /// The longest a request waits for a connection, whatever its own deadline (a stream's has none).
    static let connectionWait = TimeAmount.seconds(120)

    private func perform(method: HTTPMethod, url: String, body: HTTPClientRequest.Body?, headers: [String: String], deadline: NIODeadline,
                         gated: Bool = true) async throws -> DaemonResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Host", value: "docker")  // dockerd answers 400 without one
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = body }
        let path = url.dropFirst(baseURL.count).prefix { $0 != "?" }
        let started = ContinuousClock.now
        do {
            let permit = gated ? try await gate.enter(deadline: min(deadline, .now() + Self.connectionWait)) { [host, gate] in
                DockerError.busy(host, detail: "\(method) \(path) waited \(Self.milliseconds(since: started)) for one of the \(gate.capacity) connections this client keeps to it, all in use")
            } : nil
            let response = try await http.execute(request, deadline: deadline)
            logger.debug("\(method) \(path) \(response.status.code) in \(Self.milliseconds(since: started))")
            return DaemonResponse(response, permit: permit)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            let error = DockerError.timedOut(host, detail: "\(method) \(path) had no answer after \(Self.milliseconds(since: started))")
            logger.debug("\(error)")
            throw error
        } catch {
            let classified = classify(error)
            logger.debug("\(method) \(path) failed in \(Self.milliseconds(since: started)): \(classified)")
            throw classified
        }
    }

    /// Time to the response's head: a streamed body (logs, attach) goes on after it.
    private static func milliseconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f ms", start.duration(to: .now).seconds * 1000)
    }

    static func baseURL(_ endpoint: DockerEndpoint, bridgeSocket: String?) -> String {
        switch endpoint.host {
        case .unix(let path): "http+unix://" + percentEncode(path)
        case .tcp(let host, let port): (endpoint.tls == nil ? "http://" : "https://") + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        case .ssh: "http+unix://" + percentEncode(bridgeSocket ?? "")
        }
    }

    /// The ssh bridge listening, for an `ssh://` daemon (started once, on first use).
    func transportReady() async throws {
        if let tlsProblem { throw tlsProblem }
        guard let bridge else { return }
        let start = bridgeStart.withLock { task in
            if let task { return task }
            let started = Task { try await bridge.start() }
            task = started
            return started
        }
        do { try await start.value } catch {
            throw DockerError.daemonUnreachable(host, detail: "the local end of the ssh connection could not listen: \(error)")
        }
    }

    /// `ca.pem` checks the daemon (unless told not to verify); `cert.pem` and `key.pem` are ours,
    /// read now (a bad one is reported at the first request); `ca.pem` at the first connection.
    private static func tlsConfiguration(_ files: DockerEndpoint.TLSFiles) -> Result<TLSConfiguration, DockerError> {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = files.ca { tls.trustRoots = .file(ca) }
        if let cert = files.cert, let key = files.key {
            do { tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) } } catch {
                return .failure(.unreadableTLSFile(cert, reason: "\(error)"))
            }
            do { tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)) } catch {
                return .failure(.unreadableTLSFile(key, reason: "\(error)"))
            }
        }
        tls.certificateVerification = files.verify ? .fullVerification : .none
        return .success(tls)
    }

    // MARK: Errors

    /// Turns transport failures into errors a person can act on.
    func classify(_ error: any Error) -> any Error {
        if error is DockerError || error is CancellationError { return error }
        if let said = bridge?.lastFailure { return DockerError.daemonUnreachable(host, detail: "ssh: \(said)") }
        if error is NIOSSLError || error is BoringSSLError {
            let files = endpoint.tls.map { [$0.ca, $0.cert, $0.key].compactMap { $0 }.joined(separator: ", ") } ?? ""
            return DockerError.daemonUnreachable(host, detail: "the TLS handshake failed (\(error)); check the certificates (\(files.isEmpty ? "none found" : files)) and DOCKER_TLS_VERIFY")
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .cancelled, .requestStreamCancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout: return DockerError.timedOut(host, detail: "no answer before the request's deadline")
            case .getConnectionFromPoolTimeout: return DockerError.busy(host, detail: "no connection to it came free in time")
            case .remoteConnectionClosed: return DockerError.daemonUnreachable(host, detail: "the connection was closed")
            case .connectTimeout: return DockerError.daemonUnreachable(host, detail: "connecting timed out")
            default: return DockerError.daemonUnreachable(host, detail: "\(http)")
            }
        }
        if let errno = Self.errno(in: error) {
            if errno == EACCES || errno == EPERM { return DockerError.permissionDenied(host) }
            let reason = String(cString: strerror(errno)).lowercased()
            return DockerError.daemonUnreachable(host, detail: reason)
        }
        if error is ChannelError { return DockerError.daemonUnreachable(host, detail: "the connection was lost") }
        return DockerError.daemonUnreachable(host, detail: "\(error)")
    }

    private static func errno(in error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.lazy.compactMap { errno(in: $0.error) }.first
        }
        return nil
    }

    static func apiError(status: Int, body: Data) -> DockerError {
        struct Message: Decodable { var message: String }
        let text = (try? JSONDecoder().decode(Message.self, from: body))?.message
            ?? String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch status {
        case 404: return .notFound(text)
        case 409: return .conflict(text)
        default: return .api(status: status, message: text)
        }
    }

    // MARK: Encoding

    static func encode(_ value: any Encodable) throws -> HTTPClientRequest.Body {
        .bytes(ByteBuffer(data: try JSONEncoder().encode(value)))
    }

    static func percentEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}

/// A Docker API version such as 1.41, ordered numerically.
public struct APIVersion: Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(_ major: Int, _ minor: Int) { (self.major, self.minor) = (major, minor) }
    public init?(_ text: String) {
        let parts = text.split(separator: ".").map { Int($0) }
        guard parts.count == 2, let major = parts[0], let minor = parts[1] else { return nil }
        self.init(major, minor)
    }
    public var description: String { "\(major).\(minor)" }
    public static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}
