import Foundation
import SandboxKit

/// A modified buffer kept on disk under `$XDG_STATE_HOME/sandbox/recovery/`, so a signal, a
/// crash or `kill -9` loses at most a moment of typing; the next console start offers it back.
public struct RecoveryCopy: Codable, Equatable, Sendable {
    public var sandbox: String
    public var path: String
    /// The buffer's text as a save would write it (its line endings included).
    public var text: String
    public var kept: Date
    /// The console that wrote it: a copy of a console still running is not offered.
    public var pid: Int32
}

public struct RecoveryStore: Sendable {
    public var directory: URL

    /// `$XDG_STATE_HOME/sandbox/recovery`.
    public static var standard: RecoveryStore { RecoveryStore(directory: UserDirectories.state.appendingPathComponent("recovery")) }

    /// One file per sandbox and path, named by a hash (a path can be longer than a file name).
    func file(sandbox: String, path: String) -> URL {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in (sandbox + "\u{0}" + path).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return directory.appendingPathComponent(String(hash, radix: 16) + ".json")
    }

    /// Written whole and renamed into place, readable only by the user (buffers hold secrets too).
    func write(_ copy: RecoveryCopy) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let url = file(sandbox: copy.sandbox, path: copy.path)
        try JSONEncoder().encode(copy).write(to: url, options: .atomic)
        _ = chmod(url.path, 0o600)
    }

    func remove(sandbox: String, path: String) {
        try? FileManager.default.removeItem(at: file(sandbox: sandbox, path: path))
    }

    /// The copies left by consoles that have ended, newest first.
    public func left() -> [RecoveryCopy] {
        let urls = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return urls.filter { $0.pathExtension == "json" }
            .compactMap { try? JSONDecoder().decode(RecoveryCopy.self, from: Data(contentsOf: $0)) }
            .filter { $0.pid == getpid() || !(kill($0.pid, 0) == 0 || errno == EPERM) }
            .sorted { $0.kept > $1.kept }
    }
}

/// Keeps the open buffer's recovery copy current: written at most ``delay`` after the buffer
/// first changed since the last copy, removed once the buffer is saved or dropped.
struct RecoveryKeeper {
    static let delay = Duration.milliseconds(500)
    let store: RecoveryStore
    private var written: (sandbox: String, path: String, revision: Int)?
    private var due: ContinuousClock.Instant?

    init(store: RecoveryStore) { self.store = store }

    /// Call whenever the buffer may have changed; `now` writes a pending copy at once (a signal
    /// is ending the console). Returns when to call again, if a copy is waiting.
    mutating func update(_ state: UIState, now: Bool = false) throws -> ContinuousClock.Instant? {
        guard let buffer = state.editor, buffer.modified, let sandbox = state.editorSandbox, let path = state.editorPath else {
            drop()
            return nil
        }
        if let written, written.sandbox != sandbox || written.path != path { drop() }
        if written?.revision == buffer.revision { return nil }
        let due = self.due ?? .now + Self.delay
        guard now || ContinuousClock.now >= due else {
            self.due = due
            return due
        }
        self.due = nil
        written = (sandbox, path, buffer.revision)
        try store.write(RecoveryCopy(sandbox: sandbox, path: path, text: buffer.text, kept: Date(), pid: getpid()))
        return nil
    }

    /// Takes charge of a copy an earlier console left, now reopened: it is rewritten as the
    /// buffer changes and removed with it.
    mutating func adopt(_ copy: RecoveryCopy) {
        drop()
        written = (copy.sandbox, copy.path, -1)
    }

    /// Removes the copy (the buffer was saved, or the user chose to lose the changes).
    mutating func drop() {
        if let written { store.remove(sandbox: written.sandbox, path: written.path) }
        written = nil
        due = nil
    }
}
