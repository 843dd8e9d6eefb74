import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// Going back: a sandbox's files saved, and sandboxes made from them (new, restored, forked).
@Suite(.serialized, .timeLimit(.minutes(3))) struct SnapshotTests {
    /// A sandbox of a name of its own, and every snapshot and copy of it removed afterwards.
    func withSource(user: SandboxUser? = nil, memory: String? = "2g", _ body: (DockerSandbox, SandboxEngine) async throws -> Void) async throws {
        let engine = try SandboxEngine()
        let name = "snap-\(DockerSandbox.newID().prefix(6))"
        let sandbox = DockerSandbox(image: TestImages.busybox, workDir: "/work", environment: ["GREETING": "hello"], labels: ["sandbox.test": "true"],
                                    name: name, memoryLimit: memory, network: .none, user: user)
        do { try await body(sandbox, engine) } catch {
            await cleanUp(name, engine)
            throw error
        }
        await cleanUp(name, engine)
    }

    func cleanUp(_ name: String, _ engine: SandboxEngine) async {
        for info in (try? await engine.list(all: true)) ?? [] where info.name == name || info.name.hasPrefix(name + "-") {
            try? await engine.client.removeContainer(info.containerID)
        }
        for snapshot in (try? await engine.snapshots(of: name)) ?? [] { try? await engine.removeSnapshot(snapshot.description) }
        _ = try? await engine.pruneSnapshots()
    }

    @Test func whatWasWrittenBeforeIsThereInANewSandboxARestoreAndEachFork() async throws {
        try await withSource { sandbox, engine in
            try await sandbox.write("before.txt", "kept\n")
            let snapshot = try await sandbox.snapshot(label: "one")
            #expect(snapshot.description == "\(sandbox.name):one")
            #expect(snapshot.settings.workDir == "/work" && snapshot.settings.network == .none && snapshot.settings.memoryBytes == 2 << 30)
            try await sandbox.write("after.txt", "gone after a restore\n")

            let fresh = DockerSandbox(from: try await engine.snapshot("one"), name: sandbox.name + "-new", client: engine.client)
            #expect(try await fresh.execute("cat before.txt; echo $GREETING; pwd; test -e after.txt || echo no-after").output == "kept\nhello\n/work\nno-after\n")
            try await fresh.stop()

            let (restored, from) = try await engine.restore(sandbox.name)
            #expect(from == snapshot && restored.name == sandbox.name)
            #expect(try await restored.execute("cat before.txt; test -e after.txt || echo no-after").output == "kept\nno-after\n")
            #expect(try await engine.list(all: true).filter { $0.name.hasPrefix(sandbox.name + "-restoring") }.isEmpty, "the old container set aside was not removed")

            let copies = try await engine.fork(sandbox.name, count: 2)
            #expect(copies.map(\.name) == ["\(sandbox.name)-1", "\(sandbox.name)-2"])
            try await copies[0].write("mine.txt", "only in the first\n")
            #expect(try await copies[1].execute("cat before.txt; test -e mine.txt || echo not-shared").output == "kept\nnot-shared\n")
            #expect(try await engine.snapshots(of: sandbox.name).map(\.label) == ["one"], "a fork's image is not a listed snapshot")
        }
    }

    @Test func theLimitIsARefusalNamingTheOldestAndNamesAreChecked() async throws {
        try await withSource { sandbox, engine in
            _ = try await sandbox.snapshot(label: "a", limit: 2)
            _ = try await sandbox.snapshot(limit: 2)  // a timestamp
            let refused = await #expect(throws: SandboxError.self) { _ = try await sandbox.snapshot(label: "c", limit: 2) }
            #expect(refused?.description.contains("sandbox snapshots rm \(sandbox.name):a") == true, "\(String(describing: refused))")
            #expect(try await engine.snapshots(of: sandbox.name).count == 2, "nothing removed to make room")
            await #expect(throws: SandboxError.self) { _ = try await sandbox.snapshot(label: "../x") }
            await #expect(throws: SandboxError.self, "a dot would make two snapshots' tags alike") { _ = try await sandbox.snapshot(label: "b.c") }
            await #expect(throws: SandboxError.self) { _ = try await sandbox.snapshot(label: "a") }  // taken
            let missing = await #expect(throws: SandboxError.self) { _ = try await engine.snapshot("no-such-label") }
            #expect(missing?.description.contains("\(sandbox.name):a") == true, "the known ones are named: \(String(describing: missing))")
        }
    }

    /// A restore that cannot be made (its snapshot removed meanwhile) leaves the sandbox as it was.
    @Test func aFailedRestoreLeavesTheSandboxAsItWas() async throws {
        try await withSource { sandbox, engine in
            try await sandbox.write("state.txt", "v1\n")
            let snapshot = try await sandbox.snapshot(label: "v1")
            try await sandbox.write("state.txt", "v2\n")
            _ = try await engine.client.removeImage(snapshot.imageID, force: true)
            await #expect(throws: (any Error).self) { _ = try await engine.restore(sandbox.name, to: "\(sandbox.name):v1") }
            #expect(try await sandbox.execute("cat state.txt").output == "v2\n")
            #expect(try await engine.list().contains { $0.name == sandbox.name && $0.isRunning })
        }
    }

    /// A label alone names the restored sandbox's own snapshot, never another's of that label; and
    /// the sandbox keeps its own settings (its network, here).
    @Test func aRestoreTakesOnlyItsOwnSnapshotsByLabel() async throws {
        try await withSource { sandbox, engine in
            try await withSource { other, _ in
                try await other.write("theirs.txt", "secret")
                _ = try await other.snapshot(label: "shared")
                _ = try await sandbox.execute("true")
                let refused = await #expect(throws: SandboxError.self) { _ = try await engine.restore(sandbox.name, to: "shared") }
                #expect(refused?.description.contains("no snapshot shared") == true, "\(String(describing: refused))")
                _ = try await sandbox.snapshot(label: "shared")
                let (restored, from) = try await engine.restore(sandbox.name, to: "shared")
                #expect(from.sandbox == sandbox.name)
                #expect(try await restored.execute("test -e theirs.txt || echo mine").output == "mine\n")
            }
        }
    }

    /// (A sandbox user's files need the runner: the exec path refuses them.)
    @Test(.enabled(if: RunnerMode.on)) func aUserAndItsFilesComeBack() async throws {
        try await withSource(user: .named("agent")) { sandbox, engine in
            try await sandbox.write("owned.txt", "x")
            _ = try await sandbox.snapshot(label: "u")
            let (restored, _) = try await engine.restore(sandbox.name, to: "u")
            #expect(try await restored.execute("id -un; stat -c %U owned.txt").output == "agent\nagent\n")
        }
    }
}
