import DockerEngine
import Foundation
import NIOCore
import NIOFoundationCompat

extension DockerSandbox {
    /// Writes a text file (UTF-8), creating missing parent directories.
    public func write(_ path: String, _ content: String) async throws {
        // Its UTF-8 copied once, whole: Data(content.utf8) went byte by byte (10 MiB: 14 ms more).
        var content = content
        try await write(path, content.withUTF8 { Data($0) })
    }

    /// Writes bytes to a file through the archive API, so it works in images without a shell.
    /// Symlinks are followed (as a shell's `>` does); an existing file keeps its permission bits
    /// (not setuid/setgid), a new one gets 0644. A directory, or anything else that is not a regular file, is never replaced.
    /// The body is streamed in chunks: a large file is not copied whole again.
    public func write(_ path: String, _ content: Data) async throws {
        let absolute = try resolve(path)
        if let (session, container) = try await fileSession() {
            return try await runnerFile(absolute, container: container) { try await session.write(absolute, content) }
        }
        let container = try await runningContainer()
        let (target, stat) = try await followLinks(absolute, container: container)
        if let stat {
            if stat.isDirectory { throw SandboxError.isDirectory(target) }
            guard stat.isRegular else { throw SandboxError.notRegularFile(target) }
        }
        try await put(content, at: target, mode: stat?.permissions ?? 0o644, container: container)
    }

    /// One file entry into the archive API. The daemon refuses (and ``fileError`` reports as
    /// ``SandboxError/isDirectory(_:)``) a directory that appeared since the caller's stat.
    private func put(_ content: Data, at target: String, mode: UInt32, container: String) async throws {
        guard target != "/" else { throw SandboxError.isDirectory(target) }
        // We upload as root: new content in a setuid file would run with its owner's rights,
        // so setuid, setgid and sticky go; the permission bits stay.
        let header = Tar.header(path: String(target.dropFirst()), kind: .file, mode: mode & 0o777, size: content.count, mtime: Date())
        let body = TarUpload(header: header, content: content)
        do {
            try await docker().putArchive(container, directory: "/", tar: .stream(body, length: Int64(body.length)))
        } catch {
            throw await fileError(error, path: target, container: container)
        }
    }

    /// Reads a text file as numbered lines (like `cat -n`), `limit` lines from line `offset`
    /// (0-based), with a footer telling the next offset when more remain. Lines end at each `\n`
    /// byte; a line's `\r` before it (CRLF files) is not shown.
    public func read(_ path: String, offset: Int = 0, limit: Int = 2000) async throws -> String {
        guard offset >= 0 else { throw SandboxError.invalidArgument("offset must be 0 or more, got \(offset)") }
        guard limit > 0 else { throw SandboxError.invalidArgument("limit must be 1 or more, got \(limit)") }
        let absolute = try resolve(path)
        let bytes = try await readTextData(absolute)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if bytes.last == UInt8(ascii: "\n") { lines.removeLast() }
        guard offset < lines.count || (offset == 0 && lines.isEmpty) else {
            throw SandboxError.invalidArgument("offset \(offset) is past the end of \(absolute) (\(lines.count) lines)")
        }
        let end = lines.count - offset <= limit ? lines.count : offset + limit  // no overflow: offset < count
        var out = lines[offset..<end].enumerated().map { index, line in
            let number = String(offset + index + 1)
            let shown = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            return String(repeating: " ", count: max(0, 6 - number.count)) + number + "\t" + String(decoding: shown, as: UTF8.self)
        }.joined(separator: "\n")
        if end < lines.count {
            out += "\n\n[... \(lines.count - end) more lines. Use offset=\(end) to read more.]"
        }
        return out
    }

    /// The bytes of a file, following symlinks. Directories, devices and files over
    /// ``readLimit`` are refused with an error naming the path.
    public func readData(_ path: String) async throws -> Data {
        let absolute = try resolve(path)
        if let (session, container) = try await fileSession() {
            return try await runnerFile(absolute, container: container) { try await session.read(absolute, limit: Self.readLimit) }
        }
        let container = try await runningContainer()
        let (target, stat) = try await followLinks(absolute, container: container)
        return try await fetch(target, stat, container: container)
    }

    /// Replaces `oldString` with `newString` and returns how many replacements were made.
    /// It must occur exactly once unless `replaceAll` is set (the Python library's rules).
    /// Matching is on the UTF-8 bytes, so `\r\n` in the file or the strings matches exactly.
    /// Through a symlink the link's target is edited; the link and the target's mode stay.
    @discardableResult
    public func edit(_ path: String, _ oldString: String, _ newString: String, replaceAll: Bool = false) async throws -> Int {
        guard !oldString.isEmpty else { throw SandboxError.invalidArgument("oldString must not be empty") }
        let absolute = try resolve(path)
        let session = try await fileSession()
        var original: (target: String, stat: PathStat?, container: String)?
        let data: Data
        if let (session, container) = session {
            data = try await runnerFile(absolute, container: container) { try await session.read(absolute, limit: Self.readLimit) }
        } else {
            let container = try await runningContainer()
            let (target, stat) = try await followLinks(absolute, container: container)
            original = (target, stat, container)
            data = try await fetch(target, stat, container: container)
        }
        let target = original?.target ?? absolute
        let bytes = [UInt8](try Self.checkText(data, path: target))
        let found = Self.ranges(of: Array(oldString.utf8), in: bytes)
        if found.isEmpty { throw SandboxError.stringNotFound(target) }
        if found.count > 1 && !replaceAll { throw SandboxError.ambiguousEdit(target, count: found.count) }
        var updated: [UInt8] = []
        var copied = 0
        for range in found {
            updated += bytes[copied..<range.lowerBound]
            updated += newString.utf8
            copied = range.upperBound
        }
        updated += bytes[copied...]
        if let (session, container) = session {
            try await runnerFile(absolute, container: container) { try await session.write(absolute, Data(updated)) }
        } else if let original {
            try await put(Data(updated), at: target, mode: original.stat?.permissions ?? 0o644, container: original.container)
        }
        return found.count
    }

    /// The whole of a text file; binary files are refused.
    public func readText(_ path: String) async throws -> String {
        String(decoding: try await readTextData(try resolve(path)), as: UTF8.self)
    }

    // MARK: Helpers

    /// The runner's session when the sandbox has one (files then take one request, not a stat
    /// and an archive), with the container it runs in.
    private func fileSession() async throws -> (RunnerSession, String)? {
        let container = try await containerID()
        if let session = await openSession(for: container) { return (session, container) }
        // The archive API reads and writes as root: a sandbox's user gets its files through the runner only.
        if let account = try await account() {
            throw SandboxError.commandFailed("\(name)'s files are read and written as its user \(account.name), which needs its runner; it has none (see `sandbox doctor`)")
        }
        return nil
    }

    /// A file request through the runner: a session lost meanwhile is the container's end when
    /// it stopped, else an error saying so.
    private func runnerFile<T>(_ path: String, container: String, _ request: () async throws -> T) async throws -> T {
        do {
            return try await request()
        } catch let lost as RunnerSessionLost {
            _ = try? await containerStops(container, client: try docker(), within: .milliseconds(300))
            let explained = await explainFailure(lost, container: container)
            if explained is RunnerSessionLost { throw SandboxError.pathError(path, "the sandbox's runner ended during the request (\(lost.reason))") }
            throw explained
        }
    }

    /// The bytes of a text file: valid UTF-8 without NUL bytes, or ``SandboxError/binaryFile(_:)``.
    private func readTextData(_ absolute: String) async throws -> Data {
        try Self.checkText(try await readData(absolute), path: absolute)
    }

    private static func checkText(_ data: Data, path: String) throws -> Data {
        if data.prefix(8192).contains(0) || String(validating: data, as: UTF8.self) == nil { throw SandboxError.binaryFile(path) }
        return data
    }

    /// Where `needle` occurs in `haystack`, left to right and not overlapping. Knuth-Morris-Pratt:
    /// linear, so no needle and file can make an edit quadratic.
    static func ranges(of needle: [UInt8], in haystack: [UInt8]) -> [Range<Int>] {
        guard !needle.isEmpty else { return [] }
        // border[i]: length of the longest proper prefix of needle[...i] that also ends it.
        var border = [Int](repeating: 0, count: needle.count)
        var length = 0
        for i in needle.indices.dropFirst() {
            while length > 0 && needle[i] != needle[length] { length = border[length - 1] }
            if needle[i] == needle[length] { length += 1 }
            border[i] = length
        }
        var found: [Range<Int>] = []
        length = 0
        for (i, byte) in haystack.enumerated() {
            while length > 0 && byte != needle[length] { length = border[length - 1] }
            if byte == needle[length] { length += 1 }
            if length == needle.count {
                found.append((i + 1 - length)..<(i + 1))
                length = 0
            }
        }
        return found
    }

    /// `path` with symlinks followed (at most 8), and the stat of what is there (nil: nothing).
    /// The daemon resolves links in the parent directories itself; only the last part is ours.
    func followLinks(_ path: String, container: String) async throws -> (path: String, stat: PathStat?) {
        var target = path
        for _ in 0..<8 {
            let stat: PathStat?
            do { stat = try await docker().statPath(container, path: target) } catch {
                throw await fileError(error, path: target, container: container)
            }
            guard let stat, stat.isSymlink else { return (target, stat) }
            let link = stat.linkTarget
            target = link.hasPrefix("/") ? Self.normalize(link) : Self.normalize(Self.parent(of: target) + "/" + link)
        }
        throw SandboxError.pathError(path, "too many levels of symbolic links")
    }

    /// The bytes of the regular file at `target` (already resolved by ``followLinks(_:container:)``).
    private func fetch(_ target: String, _ stat: PathStat?, container: String) async throws -> Data {
        guard let stat else { throw SandboxError.fileNotFound(target) }
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
        switch (docker, docker.refusal) {
        case (.notFound, let refusal) where refusal != .noSuchContainer: return SandboxError.fileNotFound(path)
        case (.api, .directoryInTheWay): return SandboxError.isDirectory(path)
        case (.api, .notADirectory): return SandboxError.notDirectory(path)
        case (.api, .readOnlyFileSystem): return SandboxError.pathError(path, "read-only file system")
        case (.api(_, let message), _): return SandboxError.pathError(path, message)
        default: return explained
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

extension PathStat {
    /// The POSIX permission bits (with setuid, setgid and sticky) of Go's `os.FileMode` bits.
    var permissions: UInt32 {
        var bits = mode & 0o777
        if mode & (1 << 23) != 0 { bits |= 0o4000 }
        if mode & (1 << 22) != 0 { bits |= 0o2000 }
        if mode & (1 << 20) != 0 { bits |= 0o1000 }
        return bits
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
