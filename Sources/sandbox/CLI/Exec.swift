import ArgumentParser
import Foundation
import SandboxKit

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in a sandbox; its exit code becomes ours.",
        usage: "sandbox exec NAME [--timeout S | --detach] -- CMD...")

    @Argument(help: "The sandbox.") var name: String
    @Option(help: "Seconds before the command is killed (exit code 124).") var timeout: Double?
    @Flag(help: "Run it as a background job: print the job's number at once; `sandbox logs NAME JOB` shows its output.") var detach = false
    @Argument(parsing: .postTerminator, help: "The command; one argument is run as a shell line.") var command: [String] = []

    func validate() throws {
        if let timeout { _ = try CheckedOption.seconds(timeout, "--timeout") }
        if detach, timeout != nil { throw ValidationError("--detach runs until the job ends or is killed; it takes no --timeout") }
    }

    func run() async throws {
        let words = command
        guard !words.isEmpty else { throw ValidationError("missing command; usage: sandbox exec NAME -- CMD...") }
        let shell = words.count == 1 ? words[0] : ShellQuote.join(words)
        let sandbox = try await EngineChoice.sandbox(name)
        if detach {
            Terminal.out("\(try await sandbox.startJob(shell))\n")
            return
        }
        let limit = try timeout.map { try CheckedOption.seconds($0, "--timeout") }
        // Ctrl-C cancels the call, which returns only once the command is killed in the sandbox.
        let code: Int32
        do {
            code = try await Interrupts.cancellable {
                try await sandbox.execute(shell, timeout: limit) { event in
                    switch event {
                    case .stdout(let text): Terminal.out(text)
                    case .stderr(let text): Terminal.err(text)
                    case .exit: break
                    }
                }.exitCode
            }
        } catch is CancellationError {
            code = 130
        }
        throw ExitCode(code)
    }
}
