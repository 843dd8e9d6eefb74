import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List sandboxes (all containers with --all).")

    @Flag(help: "Include containers that are not sandboxes.") var all = false
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show every cell whole instead of cutting the table to the terminal's width.") var wide = false

    func run() async throws {
        let list = try await SandboxEngine().list(all: all)
        Terminal.out(json ? try JSON.string(list) : Format.sandboxes(list, current: nil, width: wide ? nil : Terminal.columns))
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
