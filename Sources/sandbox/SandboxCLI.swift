import ArgumentParser
import DockerEngine
import Foundation
import SandboxCommands
import SandboxKit

@main
struct SandboxCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Work inside Docker sandboxes: a full-screen console, a REPL, one-shot commands and an MCP server.",
        version: versionText,
        subcommands: [Console.self, DemoCommand.self, Repl.self, Ps.self, New.self, Exec.self, Logs.self, Port.self, Allow.self, Deny.self, Netd.self, Shell.self, Copy.self, Cat.self, Stop.self, Remove.self,
                      Changes.self, SnapshotCommand.self, SnapshotsCommand.self, Restore.self, Fork.self, Prune.self, Runtimes.self, Doctor.self, Mcp.self, ManConsole.self],
        defaultSubcommand: Console.self
    )

    /// `sandbox --version` and `sandbox doctor`: the build's version and the newest Docker API it knows.
    static let versionText = "sandbox \(BuildVersion.version) (Docker API \(DockerClient.newestKnownAPIVersion))"

    // Read in main() (it applies to every subcommand, before or after its name); declared here for
    // --help, the man page and the check of its value.
    @Option(help: "How much to log to $XDG_STATE_HOME/sandbox/sandbox.log: debug (every Docker API call), info (the engine's decisions) or warning (the default; also $SANDBOX_LOG).")
    var logLevel: LogLevel?

    @Option(name: [.customShort("H"), .long], help: "The daemon: unix://PATH, tcp://HOST:PORT (TLS with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) or ssh://[USER@]HOST[:PORT]; over DOCKER_HOST and contexts, as with docker.")
    var host: String?

    @Option(help: "A Docker context (docker context ls) to use, over DOCKER_CONTEXT and the current context.")
    var context: String?

    static func main() async {
        setlocale(LC_ALL, "")
        // `sandbox exce` would otherwise reach the default subcommand as a stray argument.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let word = arguments.first, !word.hasPrefix("-"), !subcommandNames.contains(word) {
            let suggestion = closest(to: word).map { " (did you mean '\($0)'?)" } ?? ""
            Terminal.error("unknown command '\(word)'\(suggestion); see sandbox --help")
            Foundation.exit(2)
        }
        if let problem = RuntimeRegistry.standardProblem {
            Terminal.error("warning: \(problem); using the built-in runtimes")
        }
        do {
            var command = try parseAsRoot(arguments)
            LogFile.bootstrap(level: LogLevel.chosen(arguments: arguments, environment: ProcessInfo.processInfo.environment))
            DockerEndpoint.commandLine.withLock {
                $0 = (host: lastValue(of: ["-H", "--host"], in: arguments), context: lastValue(of: ["--context"], in: arguments))
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// The value of a global option, wherever it stands before any `--` (ArgumentParser has checked it).
    static func lastValue(of names: [String], in arguments: [String]) -> String? {
        let options = arguments.prefix { $0 != "--" }
        var value: String?
        for (index, argument) in zip(options.indices, options) {
            if names.contains(argument), index + 1 < options.endIndex { value = options[index + 1] }
            for name in names where name.hasPrefix("--") && argument.hasPrefix(name + "=") { value = String(argument.dropFirst(name.count + 1)) }
        }
        return value
    }

    /// Each subcommand's name as ArgumentParser derives it when none is given ("ManConsole" →
    /// "man-console"), without its underscored `_commandName`.
    static var subcommandNames: [String] {
        configuration.subcommands.map { command in
            command.configuration.commandName ?? String(describing: command).reduce(into: "") { name, character in
                if character.isUppercase, !name.isEmpty { name.append("-") }
                name.append(contentsOf: character.lowercased())
            }
        } + ["help"]
    }

    static func closest(to word: String) -> String? {
        subcommandNames.map { ($0, CommandTable.editDistanceForSuggestions(word, $0)) }
            .filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
