import DockerEngine
import Foundation

/// What was added, changed and deleted in a sandbox's filesystem since it started (against its
/// image), without the engine's own files and the kernel's, and without the directories the daemon
/// marks changed only because something in them is.
public struct SandboxChanges: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case added, changed, deleted }
    public struct Entry: Sendable, Equatable, Codable {
        public var path: String
        public var kind: Kind
    }
    public var entries: [Entry]

    public var added: Int { entries.count { $0.kind == .added } }
    public var changed: Int { entries.count { $0.kind == .changed } }
    public var deleted: Int { entries.count { $0.kind == .deleted } }

    /// Paths that are ours or the engine's, never the sandbox's work: the runner and its jobs,
    /// the daemon's own mounts, the kernel's filesystems.
    static let noise = ["/proc", "/sys", "/dev", "/.sandbox", "/tmp/.sandbox-jobs", "/run/.sandbox-jobs", "/var/tmp/.sandbox-jobs",
                        "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab"]

    public init(entries: [Entry]) { self.entries = entries }

    init(_ changes: [FileChange]) {
        let kept = changes.filter { change in !Self.noise.contains { change.path == $0 || change.path.hasPrefix($0 + "/") } }
        // A directory the daemon calls changed because of what is in it says nothing more.
        let parents = Set(kept.flatMap { change in
            var parents: [String] = []
            var path = change.path
            while let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                path = String(path[..<slash])
                parents.append(path)
            }
            return parents
        })
        entries = kept.filter { $0.kind != .modified || !parents.contains($0.path) }.map { change in
            Entry(path: change.path, kind: change.kind == .added ? .added : change.kind == .deleted ? .deleted : .changed)
        }.sorted { $0.path < $1.path }
    }

    /// The entries by directory, directories in order.
    public var byDirectory: [(directory: String, entries: [Entry])] {
        let groups = Dictionary(grouping: entries) { entry in
            let slash = entry.path.lastIndex(of: "/") ?? entry.path.startIndex
            return slash == entry.path.startIndex ? "/" : String(entry.path[..<slash])
        }
        return groups.keys.sorted().map { ($0, groups[$0]!) }
    }

    /// What is in `after` and not in `self`, or of another kind: what one command did, from the
    /// daemon's lists before and after it (a file changed before and again is not seen this way).
    public func since(_ before: SandboxChanges) -> SandboxChanges {
        let earlier = Dictionary(before.entries.map { ($0.path, $0.kind) }) { a, _ in a }
        let now = Set(entries.map(\.path))
        // Gone from the list: an added file deleted, a deleted one made again, a changed one put back.
        let undone = before.entries.filter { !now.contains($0.path) }.map { entry in
            Entry(path: entry.path, kind: entry.kind == .added ? .deleted : entry.kind == .deleted ? .added : .changed)
        }
        return SandboxChanges(entries: (entries.filter { earlier[$0.path] != $0.kind } + undone).sorted { $0.path < $1.path })
    }
}
