import ArgumentParser
import Foundation
import SandboxKit

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in a sandbox; its exit code becomes ours.",
        usage: "sandbox exec NAME [--timeout S] -- CMD...")

    @Argument(help: "The sandbox.") var name: String
    @Option(help: "Seconds before the command is killed (exit code 124).") var timeout: Double?
    @Argument(parsing: .postTerminator, help: "The command; one argument is run as a shell line.") var command: [String] = []

    func run() async throws {
        let words = command
        guard !words.isEmpty else { throw ValidationError("missing command; usage: sandbox exec NAME -- CMD...") }
        let shell = words.count == 1 ? words[0] : words.map(Self.quote).joined(separator: " ")
        let sandbox = try await SandboxEngine().sandbox(named: name)
        let limit = timeout.map { Duration.milliseconds(Int64($0 * 1000)) }
        let code = try await Interrupts.cancellable {
            for try await event in sandbox.executeStream(shell, timeout: limit) {
                switch event {
                case .stdout(let text): Terminal.out(text)
                case .stderr(let text): Terminal.err(text)
                case .exit(let exit): return exit.exitCode
                }
            }
            return Int32(130)
        }
        throw ExitCode(code)
    }

    static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
