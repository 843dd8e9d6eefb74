import AsyncHTTPClient
import DockerEngine
import NIOFoundationCompat
import Foundation
import NIOCore
import NIOFoundationCompat

extension DockerSandbox {
    /// Writes a text file (UTF-8), creating missing parent directories. Mode 0644.
    public func write(_ path: String, _ content: String) async throws {
        try await write(path, Data(content.utf8))
    }

    /// Writes bytes to a file through the archive API, so it works in images without a shell.
    /// The body is streamed in chunks: a large file is not copied whole again.
    public func write(_ path: String, _ content: Data) async throws {
        try await write(path, content, mode: 0o644)
    }

    func write(_ path: String, _ content: Data, mode: UInt32) async throws {
        let absolute = try resolve(path)
        guard absolute != "/" else { throw SandboxError.isDirectory(absolute) }
        let container = try await runningContainer()
        let header = Tar.header(path: String(absolute.dropFirst()), kind: .file, mode: mode, size: content.count, mtime: Date())
        let body = TarUpload(header: header, content: content)
        do {
            try await docker().putArchive(container, directory: "/", tar: .stream(body, length: .known(Int64(body.length))))
        } catch {
            throw await fileError(error, path: absolute, container: container)
        }
    }

    /// Reads a text file as numbered lines (like `cat -n`), `limit` lines from line `offset`
    /// (0-based), with a footer telling the next offset when more remain.
    public func read(_ path: String, offset: Int = 0, limit: Int = 2000) async throws -> String {
        guard offset >= 0, limit > 0 else { throw SandboxError.invalidArgument("offset must be >= 0 and limit > 0") }
        let absolute = try resolve(path)
        let text = try await readText(absolute)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.hasSuffix("\n") { lines.removeLast() }
        guard offset < lines.count || (offset == 0 && lines.isEmpty) else {
            throw SandboxError.invalidArgument("offset \(offset) is past the end of \(absolute) (\(lines.count) lines)")
        }
        let end = min(lines.count, offset + limit)
        var out = lines[offset..<end].enumerated().map { index, line in
            let number = String(offset + index + 1)
            return String(repeating: " ", count: max(0, 6 - number.count)) + number + "\t" + line
        }.joined(separator: "\n")
        if end < lines.count {
            out += "\n\n[... \(lines.count - end) more lines. Use offset=\(end) to read more.]"
        }
        return out
    }

    /// The bytes of a file, following symlinks. Directories, devices and files over
    /// ``readLimit`` are refused with an error naming the path.
    public func readData(_ path: String) async throws -> Data {
        let container = try await runningContainer()
        var target = try resolve(path)
        for _ in 0..<8 {
            let stat: PathStat?
            do { stat = try await docker().statPath(container, path: target) } catch {
                throw await fileError(error, path: target, container: container)
            }
            guard let stat else { throw SandboxError.fileNotFound(target) }
            if stat.isSymlink {
                let link = stat.linkTarget
                target = link.hasPrefix("/") ? Self.normalize(link) : Self.normalize(Self.parent(of: target) + "/" + link)
                continue
            }
            if stat.isDirectory { throw SandboxError.isDirectory(target) }
            guard stat.isRegular else { throw SandboxError.notRegularFile(target) }
            guard stat.size <= Self.readLimit else { throw SandboxError.fileTooLarge(target, limit: Self.readLimit) }
            let archive: ByteBuffer
            do { archive = try await docker().getArchive(container, path: target, limit: Self.readLimit + 64 * 1024) } catch {
                throw await fileError(error, path: target, container: container)
            }
            let entries: [TarEntry]
            do { entries = try Tar.read(archive) } catch { throw SandboxError.pathError(target, "unreadable archive from the daemon: \(error)") }
            guard let entry = entries.first, entry.kind == .file else { throw SandboxError.notRegularFile(target) }
            return Data(buffer: entry.data)
        }
        throw SandboxError.pathError(path, "too many levels of symbolic links")
    }

    /// Replaces `oldString` with `newString` and returns how many replacements were made.
    /// It must occur exactly once unless `replaceAll` is set (the Python library's rules).
    @discardableResult
    public func edit(_ path: String, _ oldString: String, _ newString: String, replaceAll: Bool = false) async throws -> Int {
        guard !oldString.isEmpty else { throw SandboxError.invalidArgument("oldString must not be empty") }
        let absolute = try resolve(path)
        let text = try await readText(absolute)
        let count = Self.occurrences(of: oldString, in: text)
        if count == 0 { throw SandboxError.stringNotFound(absolute) }
        if count > 1 && !replaceAll { throw SandboxError.ambiguousEdit(absolute, count: count) }
        let updated: String
        if replaceAll {
            updated = text.replacingOccurrences(of: oldString, with: newString, options: .literal)
        } else {
            let range = text.range(of: oldString, options: .literal)!
            updated = text.replacingCharacters(in: range, with: newString)
        }
        let container = try await runningContainer()
        let mode = (try? await docker().statPath(container, path: absolute)).flatMap { $0 }.map { $0.mode & 0o7777 } ?? 0o644
        try await write(absolute, Data(updated.utf8), mode: mode)
        return count
    }

    // MARK: Helpers

    static func occurrences(of needle: String, in text: String) -> Int {
        var count = 0
        var searchRange = text.startIndex..<text.endIndex
        while let found = text.range(of: needle, options: .literal, range: searchRange) {
            count += 1
            searchRange = found.upperBound..<text.endIndex
        }
        return count
    }

    /// The whole of a text file; binary files are refused.
    public func readText(_ path: String) async throws -> String {
        let absolute = try resolve(path)
        let data = try await readData(absolute)
        if data.prefix(8192).contains(0) { throw SandboxError.binaryFile(absolute) }
        guard let text = String(data: data, encoding: .utf8) else { throw SandboxError.binaryFile(absolute) }
        return text
    }

    /// The container id, after checking it still runs: the archive API works on stopped
    /// containers too, and a write into one that was killed must not look like a success.
    func runningContainer() async throws -> String {
        let id = try await containerID()
        let inspect: ContainerInspect
        do { inspect = try await docker().inspectContainer(id) } catch {
            throw await explainFailure(error, container: id)
        }
        if !inspect.state.running { throw await explainFailure(SandboxError.commandFailed("not running"), container: id) }
        return id
    }

    private func fileError(_ error: any Error, path: String, container: String) async -> any Error {
        let explained = await explainFailure(error, container: container)
        guard case SandboxError.docker(let docker)? = explained as? SandboxError else { return explained }
        switch docker {
        case .notFound(let message) where !message.lowercased().contains("no such container"):
            return SandboxError.fileNotFound(path)
        case .api(_, let message):
            if message.contains("not a directory") { return SandboxError.notDirectory(path) }
            if message.lowercased().contains("read-only") { return SandboxError.pathError(path, "read-only file system") }
            return SandboxError.pathError(path, message)
        default:
            return explained
        }
    }

    /// Absolute, normalised path; relative paths are taken from ``workDir``.
    func resolve(_ path: String) throws -> String {
        guard !path.isEmpty else { throw SandboxError.invalidArgument("the path is empty") }
        guard !path.contains("\0") else { throw SandboxError.invalidArgument("the path contains a NUL byte") }
        return Self.normalize(path.hasPrefix("/") ? path : workDir + "/" + path)
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// A one-file tar stream: header, the content in 256 KiB chunks, padding and the end blocks.
struct TarUpload: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let header: [UInt8]
    let content: Data
    static let chunk = 256 * 1024

    var length: Int { header.count + content.count + Tar.padding(for: content.count) + Tar.endOfArchive.count }

    struct AsyncIterator: AsyncIteratorProtocol {
        let upload: TarUpload
        var offset = -1  // -1: header not sent yet

        mutating func next() async -> ByteBuffer? {
            if offset < 0 {
                offset = 0
                return ByteBuffer(bytes: upload.header)
            }
            let content = upload.content
            if offset < content.count {
                let end = Swift.min(content.count, offset + TarUpload.chunk)
                defer { offset = end }
                return ByteBuffer(bytes: content[(content.startIndex + offset)..<(content.startIndex + end)])
            }
            guard offset == content.count else { return nil }
            offset += 1
            var tail = ByteBuffer()
            tail.writeRepeatingByte(0, count: Tar.padding(for: content.count))
            tail.writeBytes(Tar.endOfArchive)
            return tail
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(upload: self) }
}
