import ArgumentParser
import Foundation
import SandboxKit

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files between the host and a sandbox (NAME:PATH, like docker cp).")

    @Argument(help: "HOST_PATH or NAME:PATH") var source: String
    @Argument(help: "HOST_PATH or NAME:PATH") var destination: String
    @Flag(name: [.customShort("L"), .customLong("follow-link")],
          help: "Copy what a host source that is a symbolic link points to, not the link (links inside a directory stay links).")
    var followLink = false

    func run() async throws {
        let summary: CopySummary
        switch (SandboxPath(source), SandboxPath(destination)) {
        case (nil, let to?):
            summary = try await EngineChoice.sandbox(to.name).copyIn(hostPath: source, to: to.path, followLink: followLink)
        case (let from?, nil):
            summary = try await EngineChoice.sandbox(from.name).copyOut(from.path, toHost: destination)
        case (_?, _?):
            throw ValidationError("copying between two sandboxes is not supported; copy through the host")
        case (nil, nil):
            throw ValidationError("one side must be NAME:PATH inside a sandbox")
        }
        print("copied \(summary)")
    }
}

/// `NAME:PATH` as `docker cp` spells a path inside a container.
struct SandboxPath {
    var name: String
    var path: String

    init?(_ text: String) {
        guard !text.hasPrefix("/"), !text.hasPrefix("."), let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        name = String(text[..<colon])
        path = String(text[text.index(after: colon)...])
        if path.isEmpty { path = "." }
    }
}

struct Cat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a file of a sandbox.", usage: "sandbox cat NAME:PATH")

    @Argument(help: "NAME:PATH") var target: String

    func run() async throws {
        guard let location = SandboxPath(target) else { throw ValidationError("expected NAME:PATH, got '\(target)'") }
        let data = try await EngineChoice.sandbox(location.name).readData(location.path)
        FileHandle.standardOutput.write(data)
    }
}
