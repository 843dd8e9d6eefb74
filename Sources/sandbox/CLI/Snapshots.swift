import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save a sandbox's files and settings as NAME:LABEL (host volumes are not in it).")
    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "The snapshot's label (default: the time, YYYYMMDD-HHMMSS).") var label: String?
    @Option(help: "The most snapshots kept of one sandbox; past it a new one is refused.") var limit = 10
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let label { do { try Snapshot.validate(label: label) } catch { throw ValidationError(error.description) } }
        if limit < 1 { throw ValidationError("--limit takes 1 or more") }
    }

    func run() async throws {
        let (engine, sandbox) = try EngineChoice.engine(naming: name)
        let snapshot = try await engine.takeSnapshot(of: sandbox, label: label, limit: limit)
        if json { Terminal.out(try JSON.string(snapshot)); return }
        Terminal.out("saved \(snapshot) (\(Format.size(snapshot.size)))\n")
        for note in Format.snapshotNotes(snapshot) { Terminal.err("note: \(note)\n") }
    }
}

struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots", abstract: "List snapshots (of one sandbox when named); `snapshots rm SNAPSHOT` removes one.",
        subcommands: [ListSnapshots.self, RemoveSnapshot.self], defaultSubcommand: ListSnapshots.self)
}

struct ListSnapshots: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List snapshots, oldest first.")
    @Argument(help: "Only this sandbox's.") var name: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show every cell whole instead of cutting the table to the terminal's width.") var wide = false
    func run() async throws {
        let list = try await SandboxEngine().snapshots(of: name)
        Terminal.out(json ? try JSON.string(list) : Format.snapshots(list, width: wide ? nil : Terminal.columns))
    }
}

struct RemoveSnapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a snapshot (sandboxes made from it keep running).")
    @Argument(help: "NAME:LABEL, or a LABEL only one sandbox has.") var snapshot: String
    func run() async throws {
        let removed = try await SandboxEngine().removeSnapshot(snapshot)
        Terminal.out("removed \(removed)\n")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a sandbox back to a snapshot (its latest when none is named), under the same name.")
    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "NAME:LABEL or LABEL (default: the sandbox's latest).") var snapshot: String?
    func run() async throws {
        let (engine, sandbox) = try EngineChoice.engine(naming: name)
        let (_, from) = try await engine.restore(sandbox, to: snapshot)
        Terminal.out("restored \(name) to \(from)\n")
        Terminal.err("note: \(Format.notCarried)\n")
    }
}

struct Fork: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make running copies of a sandbox, named NAME-1, NAME-2… (the next free); prints each as it answers.")
    @Argument(help: "The sandbox.") var name: String
    @Option(help: "How many copies (1 to 100).") var count = 1
    func validate() throws {
        if !(1...100).contains(count) { throw ValidationError("--count takes 1 to 100") }
    }
    func run() async throws {
        let (engine, sandbox) = try EngineChoice.engine(naming: name)
        _ = try await engine.fork(sandbox, count: count, createdBy: .cli) { copy in Terminal.out(copy.name + "\n") }
        Terminal.err("note: \(Format.notCarried)\n")
    }
}
