import ArgumentParser
import SandboxKit

/// Numbers from the command line checked by the engine's rules, as ArgumentParser's usage errors.
enum CheckedOption {
    /// Seconds as a Duration: above 0 and at most a day (`1e19`, `nan` and `inf` are errors).
    static func seconds(_ value: Double, _ option: String) throws -> Duration {
        do { return try Timeout.duration(seconds: value, for: option) } catch { throw ValidationError(error.description) }
    }
}
