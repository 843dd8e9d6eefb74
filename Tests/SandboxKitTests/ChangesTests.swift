import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// What changed in a sandbox, and a changed file against its image's version.
@Suite(.timeLimit(.minutes(2))) struct ChangesTests {
    @Test func theDaemonsListWithoutNoiseOrParentDirectories() {
        let changes = SandboxChanges([
            .init(path: "/etc", kind: .modified), .init(path: "/etc/passwd", kind: .modified), .init(path: "/proc/1", kind: .added),
            .init(path: "/.sandbox/jobs/1", kind: .added), .init(path: "/etc/hosts", kind: .modified), .init(path: "/tmp", kind: .modified),
            .init(path: "/work", kind: .added), .init(path: "/work/a", kind: .added), .init(path: "/gone", kind: .deleted),
        ])
        #expect(changes.entries.map(\.path) == ["/etc/passwd", "/gone", "/tmp", "/work", "/work/a"])
        #expect((changes.added, changes.changed, changes.deleted) == (2, 2, 1))
        #expect(changes.byDirectory.map(\.directory) == ["/", "/etc", "/work"])
        let later = SandboxChanges(entries: changes.entries.filter { $0.path != "/work/a" } + [.init(path: "/work/b", kind: .added)])
        #expect(later.since(changes).entries == [.init(path: "/work/a", kind: .deleted), .init(path: "/work/b", kind: .added)])
    }

    @Test func addedChangedAndDeletedFilesAndTheirDiffs() async throws {
        try await withSandbox(image: TestImages.python, network: .none) { sandbox in
            _ = try await sandbox.execute("echo new > made.txt; echo extra >> /etc/group; rm /etc/shadow 2>/dev/null; rm -f /usr/bin/true")
            let changes = try await sandbox.changes()
            let kinds = Dictionary(changes.entries.map { ($0.path, $0.kind) }) { a, _ in a }
            #expect(kinds["/workspace/made.txt"] == .added)
            #expect(kinds["/etc/group"] == .changed)
            #expect(kinds["/usr/bin/true"] == .deleted)
            #expect(!changes.entries.contains { $0.path.hasPrefix("/.sandbox") || $0.path.hasPrefix("/proc") }, "\(changes.entries)")

            let group = try await sandbox.diff("/etc/group")
            #expect(group.hasPrefix("--- image:/etc/group\n+++ /etc/group\n") && group.contains("\n+extra\n"), "\(group)")
            #expect(try await sandbox.diff("made.txt").contains("+++ /workspace/made.txt\n@@ -0,0 +1,1 @@\n+new\n"))
            #expect(try await sandbox.diff("/etc/passwd").hasSuffix("the same as in the image\n"))
            await #expect(throws: SandboxError.self) { _ = try await sandbox.diff("/no/such/file") }
            // The image was read through a container that was never started, and is gone.
            let readers = try await DockerClient.shared().listContainers(all: true, labels: ["\(SandboxLabel.managed)=false"])
            #expect(readers.isEmpty, "\(readers.map(\.names))")
        }
    }
}
