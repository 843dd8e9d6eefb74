import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat

extension DockerSandbox {
    /// What was added, changed and deleted in its filesystem since it started (against its image).
    /// Host volumes are not in it: their files are the host's.
    public func changes() async throws -> SandboxChanges {
        let id = try await runningContainer()
        do { return SandboxChanges(try await docker().containerChanges(id)) } catch { throw await explainFailure(error, container: id) }
    }

    /// A changed file against the image's version of it, as a unified diff: an added file whole
    /// as new, a deleted one whole as removed. Read from the image without starting anything: a
    /// container is created from it (never started), read, and removed.
    public func diff(_ path: String) async throws -> String {
        let absolute = try resolve(path)
        let client = try docker()
        let id = try await runningContainer()
        let image: String
        do {
            let inspect = try await client.inspectContainer(id)
            image = inspect.imageID ?? inspect.config.image
        } catch { throw await explainFailure(error, container: id) }
        let old = try await Self.imageFile(absolute, image: image, client: client)
        let new: Data?
        do { new = try await readData(absolute) } catch SandboxError.fileNotFound { new = nil }
        guard old != nil || new != nil else { throw SandboxError.fileNotFound(absolute) }
        let limit = 4 * 1024 * 1024
        for data in [old, new].compactMap({ $0 }) {
            if data.count > limit { return "\(absolute): too large to compare here (over \(limit / 1024 / 1024) MiB)\n" }
            if data.contains(0) || String(data: data, encoding: .utf8) == nil {
                return "\(absolute): binary (\(old.map { "\($0.count) bytes in the image" } ?? "not in the image"), \(new.map { "\($0.count) bytes now" } ?? "deleted"))\n"
            }
        }
        let text = LineDiff.unified(String(decoding: old ?? Data(), as: UTF8.self), String(decoding: new ?? Data(), as: UTF8.self),
                                    oldName: old == nil ? "/dev/null" : "image:\(absolute)", newName: new == nil ? "/dev/null" : absolute)
        return text.isEmpty ? "\(absolute): the same as in the image\n" : text
    }

    /// `path`'s content in `image`, nil when the image has no such file.
    static func imageFile(_ path: String, image: String, client: DockerClient) async throws -> Data? {
        var config = ContainerConfig(image: image, cmd: ["/nonexistent"])  // never started
        config.labels = [SandboxLabel.managed: "false"]
        config.hostConfig.networkMode = "none"
        let reader: String
        do { reader = try await client.createContainer(config, name: nil) } catch { throw SandboxError.wrap(error) }
        let archive: Result<ByteBuffer?, any Error>
        do {
            archive = .success(try await client.getArchive(reader, path: path, limit: readLimit + 64 * 1024))
        } catch DockerError.notFound {
            archive = .success(nil)
        } catch {
            archive = .failure(SandboxError.wrap(error))
        }
        _ = await Task { await Leftovers.remove(reader, client: client) }.value  // even when this task was cancelled
        guard let tar = try archive.get(), let entry = try? Tar.read(tar).first, entry.kind == .file else { return nil }
        return Data(buffer: entry.data)
    }
}
