import SandboxKit

/// A runtime's sample placed in a new sandbox: what the front end opens and runs.
public struct Demo: Sendable, Equatable {
    public var sandbox: String
    /// The sample's entry file inside the sandbox, and its text.
    public var path: String
    public var text: String
    /// The shell command that runs it.
    public var command: String
    /// The port it serves on, when it is a server: it then runs as a job with the port forwarded.
    public var port: Int?

    /// The runtime `demo` uses when none is named.
    public static let defaultRuntime = "python-minimal"
}
