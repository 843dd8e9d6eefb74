import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a sandbox (it stays listed until rm or prune).")
    @Argument(help: "The sandbox.") var name: String
    func run() async throws {
        let (engine, sandbox) = try EngineChoice.engine(naming: name)
        try await engine.stop(named: sandbox)
        Terminal.out("stopped \(name)\n")
    }
}

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a sandbox (killing it if it runs).")
    @Argument(help: "The sandbox.") var name: String
    func run() async throws {
        let (engine, sandbox) = try EngineChoice.engine(naming: name)
        try await engine.remove(named: sandbox)
        Terminal.out("removed \(name)\n")
    }
}

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove our stopped sandboxes; other containers are left alone.")
    @Flag(help: "Also remove the snapshots of sandboxes that no longer exist, and fork images no sandbox uses.") var snapshots = false
    @Flag(help: "Print JSON.") var json = false
    func run() async throws {
        let engine = try SandboxEngine()
        var removed = try await engine.prune()
        if snapshots { removed += try await engine.pruneSnapshots() }
        if json { Terminal.out(try JSON.string(removed)); return }
        Terminal.out(removed.isEmpty ? "nothing to prune\n" : removed.map { "removed \($0)\n" }.joined())
    }
}

struct Runtimes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List runtimes: image or base, packages, whether the image is built.")
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show every cell whole instead of cutting the table to the terminal's width.") var wide = false
    func run() async throws {
        let entries = try await RuntimeCatalog.entries(engine: SandboxEngine())
        Terminal.out(json ? try JSON.string(entries) : Format.runtimes(entries, width: wide ? nil : Terminal.columns))
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the daemon, the API version and the images sandboxes need.")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let engine = try SandboxEngine()
        let registry = RuntimeRegistry.standard
        let images = [DockerSandbox.defaultImage] + registry.names.compactMap { try? registry.lookup($0).image }
        let diagnosis = await engine.diagnose(images: Array(Set(images)).sorted())
        if json {
            Terminal.out(try JSON.string(VersionedDiagnosis(diagnosis: diagnosis)))
        } else {
            var lines = ["version: \(SandboxCLI.versionText)",
                         "daemon:  \(diagnosis.address) — " + (diagnosis.reachable ? "reachable" : "NOT reachable")]
            if let problem = diagnosis.problem { lines.append("problem: \(problem)") }
            if let engineVersion = diagnosis.engineVersion { lines.append("engine:  \(engineVersion), API \(diagnosis.apiVersion ?? "?")") }
            if !diagnosis.runtimes.isEmpty {
                // Podman lists every runtime its containers.conf names, installed or not.
                let podman = diagnosis.engineVersion?.hasPrefix("Podman") == true ? " (named in containers.conf; some may not be installed)" : ""
                lines.append("OCI runtimes: \(diagnosis.runtimes.joined(separator: ", "))\(podman)")
            }
            lines.append("runner:  \(diagnosis.runner)")
            if let isolation = diagnosis.isolation { lines.append("network: \(isolation)") }
            for (name, path) in diagnosis.paths.sorted(by: { $0.key < $1.key }) { lines.append("sandbox: \(name) — \(path)") }
            for (image, present) in diagnosis.images.sorted(by: { $0.key < $1.key }) {
                lines.append("image:   \(image) — " + (present ? "present" : "missing"))
            }
            lines += diagnosis.advice.map { "fix:     \($0)" }
            // Daemons and sandboxes wrote parts of these lines: no escape sequences reach the terminal.
            Terminal.out(lines.map(TerminalText.oneLine).joined(separator: "\n") + "\n")
        }
        if !diagnosis.reachable { throw ExitCode(1) }
    }
}

/// The diagnosis's JSON with this build's version added as `"sandbox"`.
private struct VersionedDiagnosis: Encodable {
    var diagnosis: SandboxEngine.Diagnosis
    private enum Key: String, CodingKey { case sandbox }
    func encode(to encoder: any Encoder) throws {
        try diagnosis.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(SandboxCLI.versionText, forKey: .sandbox)
    }
}
