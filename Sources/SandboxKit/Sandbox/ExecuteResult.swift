/// The outcome of ``DockerSandbox/execute(_:timeout:)``.
public struct ExecuteResult: Sendable, Equatable {
    /// stdout and stderr, merged in arrival order, at most ``DockerSandbox/outputLimit`` characters.
    public var output: String
    /// The command's exit code; 124 when it was killed for running past its timeout.
    public var exitCode: Int32
    /// True when the command printed more than the output limit and the rest was dropped.
    public var truncated: Bool
    public var timedOut: Bool
    /// The kernel killed the command because the sandbox hit its memory limit.
    public var outOfMemory: Bool
    public var duration: Duration

    public init(output: String, exitCode: Int32, truncated: Bool, timedOut: Bool = false, outOfMemory: Bool = false,
                duration: Duration = .zero) {
        (self.output, self.exitCode, self.truncated, self.timedOut) = (output, exitCode, truncated, timedOut)
        (self.outOfMemory, self.duration) = (outOfMemory, duration)
    }
}

/// What ``DockerSandbox/executeStream(_:timeout:)`` yields while a command runs.
public enum ExecEvent: Sendable, Equatable {
    case stdout(String)
    case stderr(String)
    case exit(ExecExit)
}

public struct ExecExit: Sendable, Equatable {
    public var exitCode: Int32
    public var timedOut: Bool
    public var duration: Duration
    /// Killed by the kernel's out-of-memory killer (exit code 137 and the sandbox's OOM count rose).
    public var outOfMemory = false
    /// The runner kept the first ``DockerSandbox/outputLimit`` characters and counted the rest away.
    var truncatedAtSource = false
}

/// Exit code reported for a command killed at its timeout, as coreutils' `timeout` does.
public let timeoutExitCode: Int32 = 124
