import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

@main
struct SandboxCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Work inside Docker sandboxes: a full-screen console, a REPL, one-shot commands and an MCP server.",
        subcommands: [Console.self, Repl.self, Ps.self, New.self, Exec.self, Copy.self, Cat.self, Stop.self, Remove.self,
                      Prune.self, Runtimes.self, Doctor.self, Mcp.self],
        defaultSubcommand: Console.self
    )

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
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static var subcommandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    static func closest(to word: String) -> String? {
        subcommandNames.map { ($0, CommandTable.editDistanceForSuggestions(word, $0)) }
            .filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
