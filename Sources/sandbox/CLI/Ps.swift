import ArgumentParser
import DockerEngine
import Foundation
import SandboxCommands
import SandboxKit

struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List sandboxes (all containers with --all).")

    @Flag(help: "Include containers that are not sandboxes.") var all = false
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show every cell whole instead of cutting the table to the terminal's width.") var wide = false
    @Flag(help: "List the sandboxes of every Docker context (docker context ls) at once, with an ENGINE column.") var allEngines = false

    func run() async throws {
        if allEngines { return try await listAllEngines() }
        let list = try await SandboxEngine().list(all: all)
        Terminal.out(json ? try JSON.string(list) : Format.sandboxes(list, current: nil, width: wide ? nil : Terminal.columns))
    }

    /// How long one engine may take to answer before it is shown as unreachable.
    static let engineDeadline = Duration.seconds(5)

    /// Every context at once, each with its own client and deadline, in `docker context ls` order.
    private func listAllEngines() async throws {
        let contexts = DockerEndpoint.contexts()
        let lists = await withTaskGroup(of: (Int, Result<[SandboxInfo], any Error>).self) { group in
            for (index, context) in contexts.enumerated() {
                group.addTask { [all] in
                    guard case .success(let endpoint) = context.endpoint else {
                        return (index, context.endpoint.map { _ in [] })
                    }
                    let client = DockerClient(endpoint: endpoint)
                    let list: Result<[SandboxInfo], any Error>
                    do { list = .success(try await SandboxEngine(client: client).list(all: all, within: Self.engineDeadline)) } catch {
                        list = .failure(error)
                    }
                    try? await client.shutdown()
                    return (index, list)
                }
            }
            var lists = [Result<[SandboxInfo], any Error>](repeating: .success([]), count: contexts.count)
            for await (index, list) in group { lists[index] = list }
            return lists
        }
        let engines = zip(contexts, lists).map { (engine: $0.name, list: $1) }
        if json {
            Terminal.out(try JSON.string(engines.map { EngineListing(engine: $0.engine, list: $0.list) }))
        } else {
            Terminal.out(Format.engineSandboxes(engines, width: wide ? nil : Terminal.columns))
        }
    }
}

/// One engine in `ps --all-engines --json`: its sandboxes, or why it could not be listed.
struct EngineListing: Encodable {
    var engine: String
    var sandboxes: [SandboxInfo]?
    var error: String?

    init(engine: String, list: Result<[SandboxInfo], any Error>) {
        self.engine = engine
        switch list {
        case .success(let sandboxes): self.sandboxes = sandboxes
        case .failure(let error): self.error = "\(error)"
        }
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
