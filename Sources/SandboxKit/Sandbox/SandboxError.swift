import DockerEngine
import Foundation

/// What can go wrong in a sandbox, worded so a person knows what to do next.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case docker(DockerError)
    case containerGone(name: String, detail: String)
    case imageUnavailable(image: String, detail: String)
    case fileNotFound(String)
    case isDirectory(String)
    case notDirectory(String)
    case notRegularFile(String)
    case binaryFile(String)
    case fileTooLarge(String, limit: Int)
    case pathError(String, String)
    case stringNotFound(String)
    case ambiguousEdit(String, count: Int)
    case invalidArgument(String)
    case commandFailed(String)
    case unknownRuntime(String, known: [String])
    case buildFailed(runtime: String, step: String, output: String)
    case unknownSandbox(String, known: [String])
    /// The engine has no init binary for `Init: true` (Podman without `catatonit`).
    case initUnavailable(engine: String, detail: String)
    /// A network policy (`--allow`) that this engine cannot enforce: never made open instead.
    case policyUnenforceable(engine: String, reason: String)

    public var description: String {
        switch self {
        case .docker(let error): error.description
        case .containerGone(let name, let detail):
            "sandbox \(name) is no longer running (\(detail)); start() begins a fresh one"
        case .imageUnavailable(let image, let detail):
            "image \(image) is not present locally and could not be pulled (\(detail)). "
                + "Load it (docker load / docker import), build it, or point the sandbox at a local image."
        case .fileNotFound(let path): "\(path): no such file or directory"
        case .isDirectory(let path): "\(path) is a directory"
        case .notDirectory(let path): "\(path) is not a directory"
        case .notRegularFile(let path): "\(path) is not a regular file"
        case .binaryFile(let path): "\(path) is a binary file; use readData to get its bytes"
        case .fileTooLarge(let path, let limit): "\(path) is larger than the \(limit / (1024 * 1024)) MiB read limit"
        case .pathError(let path, let message): "\(path): \(message)"
        case .stringNotFound(let path): "String not found in file: \(path)"
        case .ambiguousEdit(_, let count):
            "String found \(count) times. Use replaceAll to replace all, or provide more context."
        case .invalidArgument(let message), .commandFailed(let message): message
        case .unknownRuntime(let name, let known):
            "unknown runtime '\(name)'; known runtimes: \(known.joined(separator: ", "))"
        case .buildFailed(let runtime, let step, let output):
            "building runtime \(runtime) failed at \(step)" + (output.isEmpty ? "" : ":\n\(output)")
        case .unknownSandbox(let name, let known):
            "no sandbox named '\(name)'" + (known.isEmpty ? " (there are none; create one with `new`)" : "; known: \(known.joined(separator: ", "))")
        case .policyUnenforceable(let engine, let reason):
            "the engine at \(engine) cannot enforce --allow (\(reason)); the sandbox was not made, rather than made open"
        case .initUnavailable(let engine, let detail):
            "the engine at \(engine) has no init process for containers (\(detail)). Install catatonit on the engine's host "
                + "(Debian/Ubuntu: apt-get install catatonit; Fedora: dnf install catatonit), then restart its service "
                + "(podman system service). Sandboxes are not started without it: their init reaps orphaned processes "
                + "and makes stop take a moment instead of a 10 s grace period."
        }
    }

    public var errorDescription: String? { description }

    /// Docker errors are re-wrapped so callers only need to catch `SandboxError`.
    static func wrap(_ error: any Error) -> any Error {
        if let docker = error as? DockerError { return SandboxError.docker(docker) }
        return error
    }
}
