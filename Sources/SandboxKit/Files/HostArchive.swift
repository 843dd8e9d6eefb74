import DockerEngine
import Foundation
import NIOCore
import Synchronization

/// A host file or tree as a tar stream for `putArchive`. The tree is walked with `lstat`, so
/// symbolic links inside it are copied as links, never followed; fifos, devices and sockets are
/// skipped without being opened (opening a fifo blocks). File contents are read in chunks while
/// the upload runs, never loaded whole.
struct HostArchive: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    struct Item: Sendable {
        var path: String
        var name: String
        var kind: TarEntry.Kind
        var mode: UInt32
        var size: Int
        var mtime: Date
    }

    static let chunk = 256 * 1024

    let items: [Item]
    let summary: CopySummary
    /// Who owns what it puts in the sandbox: the sandbox's user.
    let owner: TarOwner
    /// Why reading a file failed mid-upload: the HTTP client reports only that the body failed.
    let failure = ReadFailure()

    final class ReadFailure: Sendable {
        let error = Mutex<SandboxError?>(nil)
    }

    /// Walks `source`, naming its entries under `root` in the archive. With `follow`, a source that
    /// is itself a symbolic link is replaced by what it points to (`docker cp -L`); links inside a
    /// tree are links either way.
    init(source: String, named root: String, follow: Bool, owner: TarOwner = .root) throws {
        self.owner = owner
        var info = stat()
        guard (follow ? stat(source, &info) : lstat(source, &info)) == 0 else {
            if errno == ENOENT { throw SandboxError.fileNotFound(source) }
            throw SandboxError.pathError(source, String(cString: strerror(errno)))
        }
        var walk = Walk()
        try walk.visit(follow ? (URL(fileURLWithPath: source).resolvingSymlinksInPath().path) : source, name: root, info)
        items = walk.items
        summary = walk.summary
    }

    private struct Walk {
        var items: [Item] = []
        var summary = CopySummary()

        mutating func visit(_ path: String, name: String, _ info: stat) throws {
            let mode = UInt32(info.st_mode & 0o7777)
            let mtime = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                items.append(Item(path: path, name: name, kind: .file, mode: mode, size: Int(info.st_size), mtime: mtime))
                summary.files += 1
                summary.bytes += Int(info.st_size)
            case S_IFLNK:
                var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = readlink(path, &buffer, buffer.count)
                guard count >= 0, let target = String(validating: buffer.prefix(count), as: UTF8.self) else {
                    throw SandboxError.pathError(path, "cannot read the symbolic link, or its target is not valid UTF-8")
                }
                items.append(Item(path: path, name: name, kind: .symlink(target: target), mode: 0o777, size: 0, mtime: mtime))
                summary.links += 1
            case S_IFDIR:
                items.append(Item(path: path, name: name, kind: .directory, mode: mode, size: 0, mtime: mtime))
                summary.directories += 1
                for child in try Self.names(in: path) {
                    let childPath = path + "/" + child
                    var childInfo = stat()
                    guard lstat(childPath, &childInfo) == 0 else {
                        throw SandboxError.pathError(childPath, String(cString: strerror(errno)))
                    }
                    try visit(childPath, name: name + "/" + child, childInfo)
                }
            default:
                summary.skipped += 1  // fifos, devices, sockets
            }
        }

        /// The names in a directory, sorted, opened without following a link put in its place.
        static func names(in path: String) throws -> [String] {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0, let directory = fdopendir(fd) else {
                if fd >= 0 { close(fd) }
                throw SandboxError.pathError(path, "cannot list the directory: \(String(cString: strerror(errno)))")
            }
            defer { closedir(directory) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    throw SandboxError.pathError(path + "/" + HostExtractor.printable(bytes),
                                                 "the name is not valid UTF-8, which the sandbox's archive API needs")
                }
                names.append(name)
            }
            return names.sorted()
        }
    }

    /// Closes the file being read even when the upload stops half way.
    final class OpenFile {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let archive: HostArchive
        var index = 0
        var file: OpenFile?
        var remaining = 0
        var ended = false

        mutating func next() async throws -> ByteBuffer? {
            do { return try produce() } catch let error as SandboxError {
                archive.failure.error.withLock { $0 = error }
                throw error
            }
        }

        private mutating func produce() throws -> ByteBuffer? {
            if let file { return try read(file) }
            guard index < archive.items.count else {
                if ended { return nil }
                ended = true
                return ByteBuffer(bytes: Tar.endOfArchive)
            }
            let item = archive.items[index]
            index += 1
            if item.kind == .file && item.size > 0 {
                // O_NONBLOCK: a fifo swapped in since the walk must not hang the upload.
                let fd = open(item.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                guard fd >= 0 else { throw SandboxError.pathError(item.path, "cannot open: \(String(cString: strerror(errno)))") }
                let opened = OpenFile(fd)
                var info = stat()
                guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                    throw SandboxError.pathError(item.path, "changed while being copied (no longer a regular file)")
                }
                file = opened
                remaining = item.size
            }
            return ByteBuffer(bytes: Tar.header(path: item.name, kind: item.kind, mode: item.mode, size: item.size, mtime: item.mtime, owner: archive.owner))
        }

        private mutating func read(_ file: OpenFile) throws -> ByteBuffer {
            let item = archive.items[index - 1]
            var buffer = ByteBuffer()
            let want = Swift.min(remaining, HostArchive.chunk)
            var count = -1
            while count < 0 {
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { bytes in
                    count = Glibc.read(file.fd, bytes.baseAddress, want)
                    return Swift.max(0, count)
                }
                guard count > 0 else {
                    if count < 0 && errno == EINTR { continue }
                    throw SandboxError.pathError(item.path, count == 0 ? "changed while being copied (it shrank)"
                                                 : "reading failed: \(String(cString: strerror(errno)))")
                }
            }
            remaining -= count
            if remaining == 0 {
                buffer.writeRepeatingByte(0, count: Tar.padding(for: item.size))
                self.file = nil
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(archive: self) }
}
