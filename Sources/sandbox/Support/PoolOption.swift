import ArgumentParser
import Foundation
import SandboxKit

/// `--pool N` for the front ends that live long enough to profit from a warm pool.
struct PoolOption: ParsableArguments {
    @Option(help: "Keep N started sandboxes ready so `new` answers at once; they are removed on exit (default: $SANDBOX_POOL or 0).")
    var pool: Int?

    static let sizes = 0...32

    /// --pool, else $SANDBOX_POOL, else 0; an unreadable $SANDBOX_POOL is an error rather than 0.
    var size: Int {
        get throws {
            if let pool { return pool }
            guard let text = ProcessInfo.processInfo.environment["SANDBOX_POOL"], !text.isEmpty else { return 0 }
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), Self.sizes.contains(size) else {
                throw ValidationError("SANDBOX_POOL must be a whole number between 0 and 32, got '\(text)'")
            }
            return size
        }
    }

    func validate() throws {
        if !Self.sizes.contains(try size) { throw ValidationError("--pool must be between 0 and 32") }
    }

    func make() -> SandboxPool? {
        guard let size = try? size, size > 0 else { return nil }
        return SandboxPool(size: size)
    }
}
