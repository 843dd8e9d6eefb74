import Foundation
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// `snapshot`, `snapshots`, `restore` and `fork` through a session against the real daemon.
extension SessionTests {
    /// Removes `name`'s snapshots, and the copies a fork made of it.
    static func dropSnapshots(of name: String, session: Session) async {
        for info in (try? await session.engine.list(all: true)) ?? [] where info.name.hasPrefix(name + "-") {
            try? await session.engine.client.removeContainer(info.containerID)
        }
        for snapshot in (try? await session.engine.snapshots(of: name)) ?? [] { _ = try? await session.engine.removeSnapshot(snapshot.description) }
        _ = try? await session.engine.pruneSnapshots()
    }

    /// The console's sessions say after each command what it changed.
    @Test func eachCommandIsFollowedByWhatItChanged() async throws {
        let session = Session(engine: try SandboxEngine(), creator: .tui, reportsChanges: true)
        let out = Recorder()
        do {
            _ = try await Self.new(session, out)
            func changed(_ command: String) async -> [SandboxChanges.Entry]? {
                _ = await session.perform(.exec(command), output: out)
                return out.take().compactMap { if case .commandChanged(let changes, _) = $0 { changes.entries } else { nil } }.first
            }
            #expect(await changed("touch a b") == [.init(path: "/workspace/a", kind: .added), .init(path: "/workspace/b", kind: .added)])
            #expect(await changed("rm a; echo x > b") == [.init(path: "/workspace/a", kind: .deleted)], "b was already added")
            #expect(await changed("true") == nil, "nothing changed: nothing said")
        } catch {
            await session.shutdown()
            throw error
        }
        await session.shutdown()
    }

    static let snapshotChecks: [String: Check] = [
        "grep": { session, out in
            _ = try await new(session, out)
            _ = await session.perform(.exec("mkdir -p src && printf 'a\\ndef main():\\n' > src/app.py"), output: out)
            _ = out.take()
            #expect(await session.perform(.grep(pattern: "def (main|run)", path: "src"), output: out) == 0)
            #expect(listing(out) == "/workspace/src/app.py:2: def main():\n", "a location F4 reads")
            #expect(await session.perform(.grep(pattern: "nothing-here", path: nil), output: out) == 0)
            #expect(listing(out) == "no matches\n")
            #expect(await session.perform(.grep(pattern: "(", path: nil), output: out) == 1, "a bad pattern is an error")
        },
        "next-error": { session, out in
            #expect(await session.perform(.nextError, output: out) == 1)
            guard case .needsEditor(let spec)? = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "next-error")
        },
        "prev-error": { session, out in
            #expect(await session.perform(.previousError, output: out) == 1)
            guard case .needsEditor(let spec)? = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "prev-error")
        },
        "changes": { session, out in
            _ = try await new(session, out)
            _ = await session.perform(.exec("echo hi > said.txt"), output: out)
            _ = out.take()
            #expect(await session.perform(.changes(nil), output: out) == 0)
            #expect(listing(out)?.contains("/workspace/ (1)\n  + said.txt") == true)
            #expect(await session.perform(.changes("said.txt"), output: out) == 0)
            #expect(listing(out)?.contains("+hi") == true)
        },
        "snapshot": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.snapshot("first"), output: out) == 0)
            guard case .snapshotSaved(let snapshot)? = out.take().last else { Issue.record("no .snapshotSaved"); return }
            #expect(snapshot.description == "\(name):first")
            #expect(await session.perform(.snapshot("first"), output: out) == 1, "a label is taken once")
            await dropSnapshots(of: name, session: session)
        },
        "snapshots": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.snapshot("listed"), output: out) == 0)
            _ = out.take()
            #expect(await session.perform(.snapshots, output: out) == 0)
            #expect(listing(out)?.contains("\(name):listed") == true)
            await dropSnapshots(of: name, session: session)
        },
        "restore": { session, out in
            let name = try await new(session, out)
            _ = await session.perform(.exec("echo v1 > state"), output: out)
            #expect(await session.perform(.snapshot("v1"), output: out) == 0)
            _ = await session.perform(.exec("echo v2 > state"), output: out)
            _ = out.take()
            #expect(await session.perform(.restore(nil), output: out) == 0)
            guard case .restored(name, "\(name):v1")? = out.take().last else { Issue.record("no .restored"); return }
            #expect(await session.currentName == name)
            _ = await session.perform(.exec("cat state"), output: out)
            #expect(out.take().contains { if case .stdout("v1\n") = $0 { true } else { false } }, "the session goes on with the restored container")
            await dropSnapshots(of: name, session: session)
        },
        "fork": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.fork(2), output: out) == 0)
            let made = out.take().compactMap { event -> String? in if case .forked(let copy, name) = event { copy } else { nil } }
            #expect(made.sorted() == ["\(name)-1", "\(name)-2"])
            await dropSnapshots(of: name, session: session)
        },
    ]
}
