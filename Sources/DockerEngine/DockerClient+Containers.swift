import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Container endpoints.
extension DockerClient {
    /// `POST /containers/create`; returns the new container's id.
    public func createContainer(_ config: ContainerConfig, name: String?) async throws -> String {
        struct Created: Decodable { var Id: String }
        return try await json(Created.self, .POST, "/containers/create", query: [("name", name)], jsonBody: config).Id
    }

    public func startContainer(_ id: String) async throws {
        try await call(.POST, "/containers/\(id)/start")
    }

    public func inspectContainer(_ id: String) async throws -> ContainerInspect {
        try await json(ContainerInspect.self, .GET, "/containers/\(id)/json")
    }

    /// `DELETE /containers/{id}?force=true`: kills and removes in one call (no stop grace period).
    /// Removing a container that is already gone is not an error.
    public func removeContainer(_ id: String, force: Bool = true) async throws {
        do {
            try await call(.DELETE, "/containers/\(id)", query: [("force", force ? "true" : "false"), ("v", "true")])
        } catch DockerError.notFound {
            return
        } catch DockerError.conflict(let message) where message.contains("already in progress") {
            return
        }
    }

    /// `POST /containers/{id}/rename`.
    public func renameContainer(_ id: String, to name: String) async throws {
        try await call(.POST, "/containers/\(id)/rename", query: [("name", name)])
    }

    public func killContainer(_ id: String, signal: String = "KILL") async throws {
        try await call(.POST, "/containers/\(id)/kill", query: [("signal", signal)])
    }

    /// `GET /containers/json` filtered by labels (`key` or `key=value`).
    public func listContainers(all: Bool = true, labels: [String] = []) async throws -> [ContainerSummary] {
        var query: [(String, String?)] = [("all", all ? "true" : "false")]
        if !labels.isEmpty {
            let filters = try JSONEncoder().encode(["label": labels])
            query.append(("filters", String(decoding: filters, as: UTF8.self)))
        }
        return try await json([ContainerSummary].self, .GET, "/containers/json", query: query)
    }

    // MARK: Archive (files in and out as tar)

    /// `PUT /containers/{id}/archive?path=DIR`: extracts an uncompressed tar stream under `directory`.
    /// Always with `noOverwriteDirNonDir`: without it a file entry replaces a directory by deleting
    /// it recursively first, which on a bind mount deletes the host's files.
    public func putArchive(_ id: String, directory: String, tar: UploadBody) async throws {
        let response = try await send(.PUT, "/containers/\(id)/archive", query: [("path", directory), ("noOverwriteDirNonDir", "true")],
                                      body: tar.body, contentType: "application/x-tar")
        _ = try await collect(response.body, limit: 1024 * 1024)
    }

    /// `GET /containers/{id}/archive?path=PATH`: the tar of one path, refused past `limit` bytes.
    public func getArchive(_ id: String, path: String, limit: Int) async throws -> ByteBuffer {
        let response = try await send(.GET, "/containers/\(id)/archive", query: [("path", path)])
        do {
            return try await response.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw DockerError.api(status: 413, message: "\(path) is larger than \(limit / 1024 / 1024) MiB")
        } catch {
            throw classify(error)
        }
    }

    /// `GET /containers/{id}/archive?path=PATH` as a stream: `body` gets each chunk as it arrives,
    /// so nothing holds the whole archive. An error thrown by `body` stops the download.
    public func getArchive(_ id: String, path: String, body: (ByteBuffer) async throws -> Void) async throws {
        let response = try await send(.GET, "/containers/\(id)/archive", query: [("path", path)])
        var chunks = response.body.makeAsyncIterator()
        while true {
            let chunk: ByteBuffer?
            do { chunk = try await chunks.next() } catch { throw classify(error) }
            guard let chunk else { return }
            try await body(chunk)
        }
    }

    /// `HEAD /containers/{id}/archive?path=PATH`: stat without reading, or nil if it does not exist.
    public func statPath(_ id: String, path: String) async throws -> PathStat? {
        let response: DaemonResponse
        do {
            response = try await send(.HEAD, "/containers/\(id)/archive", query: [("path", path)])
        } catch DockerError.notFound {
            return nil  // a HEAD answer has no body to tell a missing path from a missing container
        }
        guard let header = response.headers.first(name: "X-Docker-Container-Path-Stat"),
              let data = Data(base64Encoded: header)
        else { throw DockerError.malformedResponse("no path stat for \(path)") }
        do { return try JSONDecoder().decode(PathStat.self, from: data) } catch {
            throw DockerError.malformedResponse("path stat for \(path): \(error)")
        }
    }
}

/// One row of `GET /containers/{id}/changes`: a path of its filesystem added, changed or
/// deleted against its image.
public struct FileChange: Decodable, Sendable, Equatable {
    public enum Kind: Int, Decodable, Sendable { case modified = 0, added = 1, deleted = 2 }
    public var path: String
    public var kind: Kind
    enum CodingKeys: String, CodingKey { case path = "Path", kind = "Kind" }
    public init(path: String, kind: Kind) { (self.path, self.kind) = (path, kind) }
}

extension DockerClient {
    /// `GET /containers/{id}/changes` (the daemon walks its writable layer).
    public func containerChanges(_ id: String) async throws -> [FileChange] {
        try await json([FileChange]?.self, .GET, "/containers/\(id)/changes", limit: 256 * 1024 * 1024) ?? []
    }
}
