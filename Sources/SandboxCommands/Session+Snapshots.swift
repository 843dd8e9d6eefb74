import Foundation
import SandboxKit

/// `snapshot`, `snapshots`, `restore` and `fork` on the current sandbox.
extension Session {
    func snapshots(_ command: Command, output: some SessionOutput) async throws {
        if case .snapshots = command {
            output.handle(.listing(Format.snapshots(try await engine.snapshots())))
            return
        }
        let (sandbox, name) = try await currentSandbox(output)
        let located = try engines.locate(name)
        switch command {
        case .snapshot(let label):
            output.handle(.snapshotSaved(try await sandbox.snapshot(label: label)))
        case .restore(let reference):
            let (restored, snapshot) = try await located.engine.restore(located.name, to: reference)
            // The old handle's container is gone: the session and `rm` go on with the new one.
            created = created.map { $0.name == name ? (restored, name) : $0 }
            select(restored, context: currentContext)
            output.handle(.restored(name: name, snapshot: snapshot.description))
        case .fork(let count):
            let context = located.context
            _ = try await located.engine.fork(located.name, count: count, createdBy: creator) { copy in
                output.handle(.forked(name: EngineSet.qualified(copy.name, context: context), of: name))
            }
        default:
            break
        }
    }
}
