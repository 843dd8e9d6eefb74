import ArgumentParser
import DockerEngine
import SandboxKit

/// Which engine a command talks to when it names one: `NAME@CONTEXT` for a sandbox, or `new --on CONTEXT`.
/// The context replaces what `--host`/`--context` and the environment chose, for this process.
enum EngineChoice {
    /// The engine a sandbox named on the command line lives on, and its own name there.
    static func engine(naming text: String) throws -> (engine: SandboxEngine, name: String) {
        let name = try sandboxName(text)  // first: it may switch the engine
        return (try SandboxEngine(), name)
    }

    static func sandbox(_ text: String) async throws -> DockerSandbox {
        let (engine, name) = try engine(naming: text)
        return try await engine.sandbox(named: name)
    }

    /// The sandbox's own name, after switching to CONTEXT when it is spelled `NAME@CONTEXT`.
    private static func sandboxName(_ text: String) throws -> String {
        let (name, context) = try EngineSet.split(text)
        if let context { try use(context: context) }
        return name
    }

    static func use(context: String) throws {
        try DockerEndpoint.commandLine.withLock { flags in
            if flags.host != nil { throw ValidationError("give --host or a context (NAME@CONTEXT, --on), not both") }
            flags.context = context
        }
    }
}
