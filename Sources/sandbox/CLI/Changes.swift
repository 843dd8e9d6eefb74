import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct Changes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What was added, changed and deleted in a sandbox since it started; with PATH, that file's diff against its image.")
    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "A changed file: its diff against the image's version (read from the image, nothing started in the sandbox).") var path: String?
    @Flag(help: "Print JSON (the list).") var json = false
    func run() async throws {
        let sandbox = try await EngineChoice.sandbox(name)
        if let path {
            Terminal.out(Format.diff(try await sandbox.diff(path)))
            return
        }
        let changes = try await sandbox.changes()
        Terminal.out(json ? try JSON.string(changes.entries) : Format.changes(changes))
    }
}
