import DockerEngine
import Foundation
import NIOCore

extension DockerSandbox {
    /// The most file content `copyOut` writes in one copy.
    public static let copyLimit = 1024 * 1024 * 1024
    /// The most entries `copyOut` takes in one copy.
    public static let copyEntryLimit = 1_000_000

    /// Copies a host file or directory into the sandbox, like `docker cp SRC NAME:DST`: into
    /// `destination` if it is an existing directory, else to `destination` itself. Symbolic links
    /// are copied as links; with `followLink`, a source that is itself a link is copied as what it
    /// points to (`docker cp -L`). Fifos, devices and sockets are skipped.
    @discardableResult
    public func copyIn(hostPath: String, to destination: String, followLink: Bool = false) async throws -> CopySummary {
        let container = try await runningContainer()
        var target = try resolve(destination)
        let source = URL(fileURLWithPath: hostPath).standardizedFileURL
        let existing = try await docker().statPath(container, path: target)
        if destination.hasSuffix("/") || existing?.isDirectory == true {
            target = Self.normalize(target + "/" + source.lastPathComponent)
        }
        let owner = try await account().map { TarOwner(uid: $0.uid, gid: $0.gid) } ?? .root
        let archive = try HostArchive(source: source.path, named: String(target.dropFirst()), follow: followLink, owner: owner)
        do {
            try await docker().putArchive(container, directory: "/", tar: .stream(archive, length: nil))
        } catch {
            if let failure = archive.failure.error.withLock({ $0 }) { throw failure }
            throw SandboxError.pathError(target, "\(SandboxError.wrap(error))")
        }
        return archive.summary
    }

    /// Copies a sandbox file or directory to the host, like `docker cp NAME:SRC DST`, streaming:
    /// see ``HostExtractor`` for what is refused. Fails past ``copyLimit`` bytes or
    /// ``copyEntryLimit`` entries.
    @discardableResult
    public func copyOut(_ path: String, toHost hostPath: String) async throws -> CopySummary {
        let container = try await runningContainer()
        let source = try resolve(path)
        let extractor = HostExtractor(source: source, destination: hostPath,
                                      limits: .init(bytes: Self.copyLimit, entries: Self.copyEntryLimit))
        do {
            try await docker().getArchive(container, path: source) { try extractor.write($0) }
            return try extractor.finish()
        } catch {
            extractor.abandon()  // a download cut half way leaves no partial file behind
            if case DockerError.notFound = error { throw SandboxError.fileNotFound(source) }
            if let error = error as? TarError { throw SandboxError.pathError(source, "unreadable archive from the daemon: \(error)") }
            throw SandboxError.wrap(error)
        }
    }
}
