import Foundation

/// The runner built into SandboxKit (Plugins/RunnerEmbed), as a file a local daemon can bind-mount
/// into every sandbox as its PID 1. So the file must be one no one else can have put there or
/// change: it lives in a directory of this user's that no one else can write (made 0700 when
/// missing; a link, another owner or a group- or world-writable mode is refused), is itself this
/// user's and writable by no one else, and is written under a new name (`O_EXCL|O_NOFOLLOW`) then
/// renamed into place, never half-replaced.
enum BuiltInRunner {
    /// `$XDG_CACHE_HOME/sandbox`, else `sandbox-UID` in the temporary directory.
    static var directories: [URL] {
        [UserDirectories.cache, FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(geteuid())")]
    }

    /// The file's path: the first private directory that holds it or takes it; nil when none does.
    static func writeOut(_ data: Data, into directories: [URL] = directories) -> String? {
        // FNV-1a names the version: a different build is a different file.
        let hash = data.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let name = "sandbox-runner-" + String(hash, radix: 16)
        for directory in directories where privateDirectory(directory) {
            let file = directory.appendingPathComponent(name).path
            if isPrivate(file, directory: false), FileManager.default.contents(atPath: file) == data { return file }
            if write(data, to: file) { return file }
        }
        return nil
    }

    /// Makes `url` (0700) if missing, then checks it is private: ours, a directory, not a link,
    /// writable by us alone.
    static func privateDirectory(_ url: URL) -> Bool {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = mkdir(url.path, 0o700)
        return isPrivate(url.path, directory: true)
    }

    static func isPrivate(_ path: String, directory: Bool) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == (directory ? S_IFDIR : S_IFREG) && info.st_uid == geteuid() && info.st_mode & 0o022 == 0
    }

    /// Writes `data` under a fresh name beside `path` and renames it there.
    private static func write(_ data: Data, to path: String) -> Bool {
        let partial = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o700)
        guard fd >= 0 else { return false }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let done = written && fchmod(fd, 0o755) == 0
        let closed = close(fd) == 0
        guard done, closed, rename(partial, path) == 0 else {
            unlink(partial)
            return false
        }
        return true
    }
}
