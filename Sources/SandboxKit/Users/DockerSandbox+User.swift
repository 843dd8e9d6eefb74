import DockerEngine
import Foundation
import NIOCore

extension DockerSandbox {
    /// The sandbox's user as its container has it; nil when commands run as root or as the
    /// image's own user. Made in the container when it was created; a sandbox found running
    /// (another process's) reads it from the container's /etc/passwd once.
    func account() async throws -> SandboxAccount? {
        guard let user, !user.isRoot else { return nil }
        if let resolvedAccount { return resolvedAccount }
        let container = try await containerID()
        let files = try await Self.accountFiles(in: container, client: try docker()).files
        guard let found = files.account(user) else {
            throw SandboxError.commandFailed("\(name)'s user \(user) is not in its /etc/passwd any more; recreate the sandbox")
        }
        // A named user that now reads as root was renumbered inside the sandbox: never run as that.
        guard found.uid != 0 else {
            throw SandboxError.commandFailed("\(name)'s user \(user) has uid 0 in its /etc/passwd now; refusing to run as root")
        }
        resolvedAccount = found
        return found
    }

    /// Docker's `User` for an exec that runs as the sandbox's user (nil: the image's own).
    func execUser() async throws -> String? {
        guard let user else { return nil }
        return try await account()?.dockerUser ?? (user.isRoot ? "0:0" : nil)
    }

    /// Makes `user` in `container` (created, not started): added to /etc/passwd and /etc/group
    /// when the image lacks it, its home made, the work directory made its own, and the runner
    /// told. Nil for root.
    static func makeAccount(_ user: SandboxUser, in container: String, workDir: String, volumeTargets: [String],
                            client: DockerClient) async throws -> SandboxAccount? {
        guard !user.isRoot else { return nil }
        var (files, modes) = try await accountFiles(in: container, client: client)
        guard let (account, added) = files.ensure(user) else { return nil }
        let owner = TarOwner(uid: account.uid, gid: account.gid)
        // For the runner's init, which runs every command and job as it, whoever asks (runner/init.c).
        var entries = [TarEntry(path: String(RunnerBinary.userFile.dropFirst()), mode: 0o644, data: ByteBuffer(string: account.runnerSpec))]
        if added {
            entries.append(TarEntry(path: "etc/passwd", mode: (modes.passwd ?? 0o644) & 0o644, data: ByteBuffer(string: files.passwdText)))
            entries.append(TarEntry(path: "etc/group", mode: (modes.group ?? 0o644) & 0o644, data: ByteBuffer(string: files.groupText)))
            if account.home != "/" { entries.append(TarEntry(path: String(account.home.dropFirst()), kind: .directory, mode: 0o755, owner: owner)) }
        }
        if ownable(workDir, volumeTargets: volumeTargets) {
            let existing = try await client.statPath(container, path: workDir)
            if existing?.isDirectory != false {
                entries.append(TarEntry(path: String(workDir.dropFirst()), kind: .directory, mode: existing.map { $0.mode & 0o777 } ?? 0o755, owner: owner))
            }
        }
        do { try await client.putArchive(container, directory: "/", tar: .bytes(Tar.archive(entries))) } catch {
            throw SandboxError.commandFailed("could not make the user \(user) in the sandbox: \(SandboxError.wrap(error))")
        }
        return account
    }

    /// Whether the work directory may be given to the sandbox's user: not a system directory,
    /// and not a volume (that is the host's directory).
    static func ownable(_ workDir: String, volumeTargets: [String]) -> Bool {
        let system = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var"]
        guard workDir.hasPrefix("/"), workDir != "/" else { return false }
        let inside = { (path: String, root: String) in path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
        return !system.contains { inside(workDir, $0) } && !volumeTargets.contains { inside(workDir, $0) || inside($0, workDir) }
    }

    /// The container's /etc/passwd and /etc/group (either may be missing: a busybox image), and their permission bits.
    static func accountFiles(in container: String, client: DockerClient) async throws -> (files: AccountFiles, modes: (passwd: UInt32?, group: UInt32?)) {
        async let passwd = file("/etc/passwd", in: container, client: client)
        async let group = file("/etc/group", in: container, client: client)
        let (passwdFile, groupFile) = try await (passwd, group)
        return (AccountFiles(passwd: passwdFile?.text, group: groupFile?.text), (passwdFile?.mode, groupFile?.mode))
    }

    /// A file's text and permission bits, through the archive API; nil when there is none.
    private static func file(_ path: String, in container: String, client: DockerClient) async throws -> (text: String, mode: UInt32)? {
        let archive: ByteBuffer
        do { archive = try await client.getArchive(container, path: path, limit: 4 << 20) } catch DockerError.notFound {
            return nil
        } catch {
            throw SandboxError.commandFailed("could not read the sandbox's \(path): \(SandboxError.wrap(error))")
        }
        let entries: [TarEntry]
        do { entries = try Tar.read(archive) } catch { throw SandboxError.pathError(path, "unreadable archive from the daemon: \(error)") }
        guard let entry = entries.first, entry.kind == .file else { throw SandboxError.notRegularFile(path) }
        return (String(decoding: entry.data.readableBytesView, as: UTF8.self), entry.mode)
    }
}
