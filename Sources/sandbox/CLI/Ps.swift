import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List sandboxes (all containers with --all).")

    @Flag(help: "Include containers that are not sandboxes.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let list = try await SandboxEngine().list(all: all)
        Terminal.out(json ? try JSON.string(list) : Format.sandboxes(list, current: nil))
    }
}

enum JSON {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
