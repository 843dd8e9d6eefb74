import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Image endpoints.
extension DockerClient {
    /// `GET /images/{name}/json`, or nil when the image is not present.
    public func inspectImage(_ name: String) async throws -> ImageInspect? {
        do {
            return try await json(ImageInspect.self, .GET, "/images/\(Self.percentEncode(name))/json")
        } catch DockerError.notFound {
            return nil
        }
    }

    /// `GET /images/json`, only those carrying every one of `labels` (`KEY` or `KEY=VALUE`) when given.
    public func listImages(labels: [String] = []) async throws -> [ImageSummary] {
        var query: [(String, String?)] = []
        if !labels.isEmpty { query.append(("filters", String(decoding: try JSONEncoder().encode(["label": labels]), as: UTF8.self))) }
        return try await json([ImageSummary].self, .GET, "/images/json", query: query)
    }

    /// `POST /commit`: container `id`'s filesystem as a new image (paused while it is read, so
    /// that what runs in it cannot change it half-way), tagged `repo:tag` when given, with
    /// `labels` added to the container's own; returns the image id.
    public func commit(_ id: String, repo: String?, tag: String?, labels: [String: String], pause: Bool = true) async throws -> String {
        struct Config: Encodable { var Labels: [String: String] }
        struct Created: Decodable { var Id: String }
        return try await json(Created.self, .POST, "/commit",
                              query: [("container", id), ("repo", repo), ("tag", tag), ("pause", pause ? "true" : "false")],
                              jsonBody: Config(Labels: labels)).Id
    }

    public func removeImage(_ name: String, force: Bool = false) async throws {
        do {
            try await call(.DELETE, "/images/\(Self.percentEncode(name))", query: [("force", force ? "true" : "false")])
        } catch DockerError.notFound {
            return
        }
    }

    /// `POST /images/create?fromImage=`: pulls an image, reporting each progress message.
    /// Throws with the daemon's message when the pull fails (the stream reports it inline).
    public func pullImage(_ reference: String, progress: @Sendable (JSONMessage) -> Void = { _ in }) async throws {
        let (name, tag) = Self.splitReference(reference)
        let response = try await send(.POST, "/images/create", query: [("fromImage", name), ("tag", tag)], deadline: .distantFuture)
        try await consumeMessages(response.body, progress: progress)
    }

    /// `POST /build` with an uncompressed tar context; returns the built image id.
    public func build(context: ByteBuffer, tag: String, noCache: Bool = false, labels: [String: String] = [:],
                      progress: @Sendable (JSONMessage) -> Void = { _ in }) async throws -> String? {
        let labelJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        let response = try await send(.POST, "/build",
                                      query: [("t", tag), ("rm", "true"), ("forcerm", "true"), ("nocache", noCache ? "true" : nil),
                                              ("labels", labels.isEmpty ? nil : labelJSON)],
                                      body: .bytes(context), contentType: "application/x-tar", deadline: .distantFuture)
        return try await consumeMessages(response.body, progress: progress)
    }

    /// Reads a JSON progress stream to its end; throws its first error message.
    @discardableResult
    private func consumeMessages(_ body: DaemonBody, progress: @Sendable (JSONMessage) -> Void) async throws -> String? {
        var decoder = JSONMessageDecoder()
        var imageID: String?
        func handle(_ messages: [JSONMessage]) throws {
            for message in messages {
                progress(message)
                if let failure = message.failure { throw DockerError.api(status: 500, message: failure) }
                if let id = message.aux?.ID { imageID = id }
            }
        }
        do {
            for try await chunk in body { try handle(decoder.feed(chunk)) }
        } catch let error as DockerError {
            throw error
        } catch {
            throw classify(error)
        }
        try handle(decoder.finish())
        return imageID
    }

    /// "repo/name:tag" → ("repo/name", "tag"); a registry port is not a tag.
    static func splitReference(_ reference: String) -> (String, String) {
        if let at = reference.firstIndex(of: "@") { return (String(reference[..<at]), String(reference[reference.index(after: at)...])) }
        if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
            return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
        }
        return (reference, "latest")
    }
}

/// System endpoints.
extension DockerClient {
    public struct Version: Decodable, Sendable {
        public var version: String
        public var apiVersion: String
        public var os: String?
        public var arch: String?
        var components: [Component]?
        struct Component: Decodable, Sendable { var Name: String }
        enum CodingKeys: String, CodingKey {
            case version = "Version", apiVersion = "ApiVersion", os = "Os", arch = "Arch", components = "Components"
        }

        /// "Docker Engine", "Podman Engine", …: the first component's name; dockerd calls its own
        /// just "Engine" (`docker version` prints it under "Server: Docker Engine").
        public var product: String {
            guard let name = components?.first?.Name, name != "Engine" else { return "Docker Engine" }
            return name
        }
    }

    /// `GET /version`: the daemon's release and the newest API it speaks.
    public func version() async throws -> Version {
        try await json(Version.self, .GET, "/version")
    }

    public struct Info: Decodable, Sendable {
        /// The OCI runtimes the daemon can run containers with (runc, runsc, crun, …).
        public var runtimes: [String: AnyRuntime]?
        public var defaultRuntime: String?
        /// The daemon's clock when it answered (RFC 3339), for comparing with the times it reports.
        public var systemTime: String?
        public struct AnyRuntime: Decodable, Sendable {}
        enum CodingKeys: String, CodingKey { case runtimes = "Runtimes", defaultRuntime = "DefaultRuntime", systemTime = "SystemTime" }
    }

    /// `GET /info`, trimmed to the runtimes and the clock.
    public func info() async throws -> Info {
        try await json(Info.self, .GET, "/info")
    }
}
