import ArgumentParser
import Foundation
import SandboxKit

/// `--pool N` for the front ends that live long enough to profit from a warm pool.
struct PoolOption: ParsableArguments {
    @Option(help: "Keep N started sandboxes ready so `new` answers at once; they are removed on exit (default: $SANDBOX_POOL or 0).")
    var pool = Int(ProcessInfo.processInfo.environment["SANDBOX_POOL"] ?? "") ?? 0

    func validate() throws {
        if !(0...32).contains(pool) { throw ValidationError("--pool must be between 0 and 32") }
    }

    func make() -> SandboxPool? { pool > 0 ? SandboxPool(size: pool) : nil }
}
