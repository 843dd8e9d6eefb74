import DockerEngine
import Foundation
import NIOCore

/// Writes a sandbox's tar stream onto the host, trusting nothing in it.
///
/// Every entry is created relative to a directory descriptor, each parent opened with
/// `O_NOFOLLOW|O_DIRECTORY`, so no symbolic link is ever followed, whether it came from the
/// sandbox or was already on the host. Nothing this copy did not create is removed or replaced
/// (an existing regular file is overwritten in place, like `docker cp`). Names that are not valid
/// UTF-8, contain NUL, are absolute, climb with `..`, lie outside the copied entry or name the
/// same path twice with different kinds are refused. Hard links, devices, fifos and sockets are
/// skipped and counted. Memory stays bounded: file data is written as it arrives.
final class HostExtractor {
    struct Limits {
        var bytes: Int
        var entries: Int
    }

    /// What a name was used for in this archive, to catch an archive naming a path twice.
    private enum Use: String { case file = "a file", directory = "a directory", link = "a symbolic link", skipped = "a special file" }

    /// The file being written: its descriptor, and where it lives so a failed copy can remove it.
    private struct OpenFile {
        var fd: Int32
        var parent: Int32
        var leaf: String
        var created: Bool
        var mode: UInt32
        var mtime: Int
    }

    private let source: String
    private let destination: String
    private let limits: Limits
    private var reader = TarReader()
    /// The directory the top entry goes into (nil until the first header), its path, and the
    /// host name of the top entry.
    private var root: Int32?
    private var rootPath = ""
    private var topName = ""
    private var top: [UInt8]?
    private var uses: [[UInt8]: Use] = [:]
    private var directories: [(components: [String], mode: UInt32, mtime: Int)] = []
    private var file: OpenFile?
    private var entries = 0
    private var bytes = 0
    private var summary = CopySummary()

    /// `source` names the sandbox path in messages; `destination` is the host path as the user
    /// gave it (followed if it is a link to a directory, as `docker cp` does).
    init(source: String, destination: String, limits: Limits) {
        self.source = source
        self.destination = URL(fileURLWithPath: destination).standardizedFileURL.path
        self.limits = limits
    }

    deinit {
        if let file { close(file.fd); close(file.parent) }
        if let root { close(root) }
    }

    /// Feeds the next chunk of the archive. On any error the file being written, if this copy
    /// created it, is removed.
    func write(_ chunk: ByteBuffer) throws {
        reader.append(chunk)
        do {
            while let event = try reader.next() { try handle(event) }
        } catch {
            abandon()
            throw error
        }
    }

    /// Call when the archive has ended: checks it was whole, then sets directory modes and times
    /// (deepest first, after their contents were written).
    func finish() throws -> CopySummary {
        do { try reader.finish() } catch { abandon(); throw error }
        guard top != nil else { throw SandboxError.fileNotFound(source) }
        for directory in directories.reversed() {
            let parent = try openParent(directory.components, create: false)
            defer { close(parent) }
            let fd = openat(parent, directory.components.last!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw failure(directory.components, "cannot set its mode") }
            defer { close(fd) }
            fchmod(fd, mode_t(directory.mode & 0o777))
            setTimes(fd, directory.mtime)
        }
        return summary
    }

    // MARK: Entries

    private func handle(_ event: TarReader.Event) throws {
        switch event {
        case .header(let header): try begin(header)
        case .data(let chunk): if file != nil { try writeData(chunk) }
        case .endOfEntry: try endFile()
        }
    }

    private func begin(_ header: TarHeader) throws {
        entries += 1
        guard entries <= limits.entries else {
            throw SandboxError.pathError(source, "the archive has more than \(limits.entries) entries, the most a copy takes")
        }
        let (total, overflow) = bytes.addingReportingOverflow(header.size)
        guard !overflow, total <= limits.bytes else {
            throw SandboxError.pathError(source, "larger than the \(limits.bytes / (1024 * 1024)) MiB copy limit "
                + "(\(Self.printable(header.name)) alone is \(header.size) bytes); nothing of it was written")
        }
        bytes = total
        let components = try place(header.name)
        let use: Use
        switch header.kind {
        case .file: use = .file
        case .directory: use = .directory
        case .symlink: use = .link
        case .hardlink, .other: use = .skipped
        }
        let key = Array(components.joined(separator: "/").utf8)
        if let earlier = uses[key], earlier != use || use == .link {
            throw SandboxError.pathError(display(components), "the archive names this path twice, as \(earlier.rawValue) and as \(use.rawValue); refusing an ambiguous copy")
        }
        uses[key] = use
        switch use {
        case .file: try openFile(components, header)
        case .directory: try makeDirectory(components, header)
        case .link: try makeLink(components, header)
        case .skipped: summary.skipped += 1  // not recreated on the host
        }
    }

    /// The host components of an entry (the top entry's host name first), after checking its name.
    private func place(_ name: [UInt8]) throws -> [String] {
        let shown = Self.printable(name)
        guard let text = String(validating: name, as: UTF8.self) else {
            throw SandboxError.pathError(shown, "the name is not valid UTF-8; refusing to copy it")
        }
        guard !name.contains(0) else { throw SandboxError.pathError(shown, "the name contains a NUL byte") }
        guard !text.hasPrefix("/") else { throw SandboxError.pathError(text, "an absolute name in the archive; refusing to copy it") }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains("..") else { throw SandboxError.pathError(text, "the name climbs out with '..'; refusing to copy it") }
        guard let top else {
            guard parts.count == 1, !text.isEmpty else {
                throw SandboxError.pathError(text, "the archive's first entry is not a single name")
            }
            try openRoot(topEntry: text)
            self.top = name
            return [topName]
        }
        guard name == top || (name.starts(with: top) && name.count > top.count && name[top.count] == UInt8(ascii: "/")) else {
            throw SandboxError.pathError(text, "the entry lies outside \(Self.printable(top)), the entry being copied")
        }
        let relative = parts.dropFirst()
        guard !relative.contains(where: { $0.isEmpty || $0 == "." }) else {
            throw SandboxError.pathError(text, "the name has empty or '.' components")
        }
        return [topName] + relative
    }

    /// Like `docker cp`: into `destination` when it is a directory (a top of "." merges into it),
    /// else as `destination` itself.
    private func openRoot(topEntry: String) throws {
        var info = stat()
        let isDirectory = stat(destination, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
        if isDirectory && topEntry != "." {
            rootPath = destination
            topName = topEntry
        } else {
            let url = URL(fileURLWithPath: destination)
            rootPath = url.deletingLastPathComponent().path
            topName = url.lastPathComponent
            guard destination != "/", !topName.isEmpty else { throw SandboxError.isDirectory(destination) }
        }
        let fd = open(rootPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw errno == ENOENT ? SandboxError.fileNotFound(rootPath) : SandboxError.pathError(rootPath, Self.reason(errno))
        }
        root = fd
    }

    private func makeDirectory(_ components: [String], _ header: TarHeader) throws {
        let parent = try openParent(components, create: true)
        defer { close(parent) }
        if mkdirat(parent, components.last!, 0o700) != 0 {
            guard errno == EEXIST else { throw failure(components, "cannot create the directory") }
            try requireDirectory(parent, components)  // merge into a directory that is there
        }
        directories.append((components, header.mode, header.mtime))
        summary.directories += 1
    }

    private func makeLink(_ components: [String], _ header: TarHeader) throws {
        guard let target = String(validating: header.linkTarget, as: UTF8.self), !target.isEmpty, !header.linkTarget.contains(0) else {
            throw SandboxError.pathError(display(components), "the symbolic link's target is empty or not valid UTF-8; refusing to copy it")
        }
        let parent = try openParent(components, create: true)
        defer { close(parent) }
        let leaf = components.last!
        if symlinkat(target, parent, leaf) != 0 {
            guard errno == EEXIST, Self.linkTarget(parent, leaf) == header.linkTarget else {
                throw failure(components, "it already exists on the host; refusing to replace it with a symbolic link")
            }
        }
        var times = [timespec(tv_sec: header.mtime, tv_nsec: 0), timespec(tv_sec: header.mtime, tv_nsec: 0)]
        _ = utimensat(parent, leaf, &times, AT_SYMLINK_NOFOLLOW)  // a time that does not fit is not worth failing for
        summary.links += 1
    }

    /// Linux's O_PATH (a descriptor that opens nothing), which Glibc's Swift overlay does not export.
    private static let pathOnly: Int32 = 0o10000000

    private func openFile(_ components: [String], _ header: TarHeader) throws {
        let parent = try openParent(components, create: true)
        let leaf = components.last!
        var created = true
        var fd = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            // Overwrite a regular file in place. Look before opening for writing (O_PATH opens
            // nothing): opening a device node a sandbox planted in a shared folder has effects of
            // its own (a watchdog arms itself), and a fifo would block.
            created = false
            fd = -1
            let handle = openat(parent, leaf, Self.pathOnly | O_NOFOLLOW | O_CLOEXEC)
            var info = stat()
            if handle >= 0, fstat(handle, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                fd = open("/proc/self/fd/\(handle)", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            }
            if handle >= 0 { close(handle) }
            if fd < 0 { errno = EEXIST }
        }
        guard fd >= 0 else {
            let error = errno == EEXIST || errno == ELOOP || errno == ENXIO
                ? SandboxError.pathError(display(components), "it exists on the host and is not a regular file; refusing to replace it")
                : failure(components, "cannot create the file")
            close(parent)
            throw error
        }
        if !created { ftruncate(fd, 0) }
        file = OpenFile(fd: fd, parent: parent, leaf: leaf, created: created, mode: header.mode, mtime: header.mtime)
        summary.files += 1
        summary.bytes += header.size
    }

    private func writeData(_ chunk: ByteBuffer) throws {
        guard let file else { return }
        var chunk = chunk
        while chunk.readableBytes > 0 {
            let written = chunk.withUnsafeReadableBytes { Glibc.write(file.fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SandboxError.pathError(display([file.leaf]), "writing failed: \(Self.reason(errno))")
            }
            chunk.moveReaderIndex(forwardBy: written)
        }
    }

    private func endFile() throws {
        guard let file else { return }
        self.file = nil
        defer { close(file.fd); close(file.parent) }
        fchmod(file.fd, mode_t(file.mode & 0o777))  // no setuid, setgid or sticky bits from a sandbox
        setTimes(file.fd, file.mtime)
    }

    /// Removes the file being written if this copy created it; anything else stays as it was.
    func abandon() {
        guard let file else { return }
        self.file = nil
        close(file.fd)
        if file.created { unlinkat(file.parent, file.leaf, 0) }
        close(file.parent)
    }

    // MARK: Descriptors

    /// The directory holding the last component, opened one component at a time without following
    /// links; missing directories are created (archives may leave parents out).
    private func openParent(_ components: [String], create: Bool) throws -> Int32 {
        guard let root else { throw SandboxError.pathError(destination, "no destination directory") }
        var fd = dup(root)
        guard fd >= 0 else { throw SandboxError.pathError(rootPath, Self.reason(errno)) }
        for (index, name) in components.dropLast().enumerated() {
            var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create && mkdirat(fd, name, 0o755) == 0 {
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let code = errno
                let failed = Array(components[...index])
                defer { close(fd) }
                if code == ELOOP || code == ENOTDIR { try requireDirectory(fd, failed) }  // says which it is
                errno = code
                throw failure(failed, "cannot open the directory")
            }
            close(fd)
            fd = next
        }
        return fd
    }

    /// Throws unless `components.last` in `parent` is a real directory (not a link to one).
    private func requireDirectory(_ parent: Int32, _ components: [String]) throws {
        var info = stat()
        guard fstatat(parent, components.last!, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw failure(components, "cannot read it") }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return
        case S_IFLNK: throw SandboxError.pathError(display(components), "it is a symbolic link on the host; refusing to write through it")
        default: throw SandboxError.pathError(display(components), "it exists on the host and is not a directory; refusing to replace it")
        }
    }

    private func setTimes(_ fd: Int32, _ mtime: Int) {
        var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
        _ = futimens(fd, &times)  // a time that does not fit is not worth failing the copy for
    }

    private func failure(_ components: [String], _ what: String) -> SandboxError {
        SandboxError.pathError(display(components), "\(what): \(Self.reason(errno))")
    }

    private func display(_ components: [String]) -> String {
        (rootPath == "/" ? "" : rootPath) + "/" + components.joined(separator: "/")
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    private static func linkTarget(_ parent: Int32, _ leaf: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(parent, leaf, &buffer, buffer.count)
        return count < 0 ? nil : Array(buffer.prefix(count))
    }

    /// A name for messages: invalid UTF-8 bytes shown as \xNN.
    static func printable(_ bytes: [UInt8]) -> String {
        var out = ""
        var rest = bytes[...]
        while !rest.isEmpty {
            let valid = (1...min(4, rest.count)).reversed().first { String(validating: rest.prefix($0), as: UTF8.self) != nil }
            if let valid, let text = String(validating: rest.prefix(valid), as: UTF8.self) {
                out += text
                rest = rest.dropFirst(valid)
            } else {
                out += "\\x" + String(rest.first!, radix: 16, uppercase: true)
                rest = rest.dropFirst()
            }
        }
        return out
    }
}
