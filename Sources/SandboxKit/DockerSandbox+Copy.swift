import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat

extension DockerSandbox {
    /// The most `copyOut` fetches in one archive.
    public static let copyLimit = 1024 * 1024 * 1024

    /// Copies a host file or directory into the sandbox, like `docker cp SRC NAME:DST`: into
    /// `destination` if it is an existing directory, else to `destination` itself.
    public func copyIn(hostPath: String, to destination: String) async throws {
        let container = try await runningContainer()
        var target = try resolve(destination)
        let source = URL(fileURLWithPath: hostPath).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw SandboxError.fileNotFound(hostPath)
        }
        let existing = try await docker().statPath(container, path: target)
        if destination.hasSuffix("/") || existing?.isDirectory == true {
            target = Self.normalize(target + "/" + source.lastPathComponent)
        }
        let root = String(target.dropFirst())
        var entries: [TarEntry] = []
        if isDirectory.boolValue {
            entries.append(try Self.entry(for: source, named: root))
            let walker = FileManager.default.enumerator(at: source, includingPropertiesForKeys: nil, options: [])
            while let url = walker?.nextObject() as? URL {
                let relative = String(url.standardizedFileURL.path.dropFirst(source.path.count + 1))
                entries.append(try Self.entry(for: url, named: root + "/" + relative))
            }
        } else {
            entries.append(try Self.entry(for: source, named: root))
        }
        do {
            try await docker().putArchive(container, directory: "/", tar: .bytes(Tar.archive(entries)))
        } catch {
            throw SandboxError.pathError(target, "\(SandboxError.wrap(error))")
        }
    }

    /// Copies a sandbox file or directory to the host, like `docker cp NAME:SRC DST`.
    /// Entries that would land outside `hostPath` are refused.
    public func copyOut(_ path: String, toHost hostPath: String) async throws {
        let container = try await runningContainer()
        let source = try resolve(path)
        let archive: ByteBuffer
        do { archive = try await docker().getArchive(container, path: source, limit: Self.copyLimit) } catch DockerError.notFound {
            throw SandboxError.fileNotFound(source)
        } catch { throw SandboxError.wrap(error) }
        let entries = try Tar.read(archive)
        guard let top = entries.first else { throw SandboxError.fileNotFound(source) }
        var destination = URL(fileURLWithPath: hostPath).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory), isDirectory.boolValue {
            destination.appendPathComponent(top.path)
        }
        for entry in entries {
            let relative = entry.path == top.path ? "" : String(entry.path.dropFirst(top.path.count + 1))
            guard !relative.split(separator: "/").contains("..") else {
                throw SandboxError.pathError(entry.path, "refusing an archive entry that climbs out of the destination")
            }
            let url = relative.isEmpty ? destination : destination.appendingPathComponent(relative)
            switch entry.kind {
            case .directory:
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            case .file:
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(buffer: entry.data).write(to: url)
                try FileManager.default.setAttributes([.posixPermissions: Int(entry.mode & 0o777)], ofItemAtPath: url.path)
            case .symlink(let target):
                try? FileManager.default.removeItem(at: url)
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
            default:
                continue  // devices, fifos and hard links are not recreated on the host
            }
        }
    }

    private static func entry(for url: URL, named name: String) throws -> TarEntry {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let mode = UInt32((attributes[.posixPermissions] as? Int) ?? 0o644)
        let mtime = (attributes[.modificationDate] as? Date) ?? Date()
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            return TarEntry(path: name, kind: .directory, mode: mode, mtime: mtime)
        case .typeSymbolicLink?:
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
            return TarEntry(path: name, kind: .symlink(target: target), mode: 0o777, mtime: mtime)
        default:
            return TarEntry(path: name, mode: mode, mtime: mtime, data: ByteBuffer(data: try Data(contentsOf: url)))
        }
    }
}
