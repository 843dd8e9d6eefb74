import ArgumentParser
import Foundation
import SandboxKit
import Signals

struct Shell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An interactive shell in a sandbox (bash, else sh), or CMD on a terminal; its exit code becomes ours.",
        usage: "sandbox shell NAME [-- CMD...]")

    @Argument(help: "The sandbox.") var name: String
    @Argument(parsing: .postTerminator, help: "The command instead of the shell; one argument is run as a shell line.") var command: [String] = []

    func run() async throws {
        let words = command
        let line: String? = words.isEmpty ? nil : words.count == 1 ? words[0] : ShellQuote.join(words)
        let sandbox = try await EngineChoice.sandbox(name)
        switch try await TerminalShell.run({ rows, columns, term in
            try await sandbox.openShell(line, rows: rows, columns: columns, term: term)
        }) {
        case .exited(let code): throw ExitCode(code)
        case .signalled(let number): SignalSource.reraise(number)
        }
    }
}
