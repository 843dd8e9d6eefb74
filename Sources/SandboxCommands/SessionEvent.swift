import Foundation
import SandboxKit

/// What a session reports while it runs a command. Front ends render these: the REPL prints
/// ``lineText``; the console also keeps its list and status line from the typed cases, never
/// from the wording.
public enum SessionEvent: Sendable {
    /// No sandbox was current, so one is being made from `image` for the command.
    case creatingDefault(image: String)
    case buildProgress(BuildProgress)
    case created(name: String, from: String, fromPool: Bool)
    /// The sandbox just made is not kept off the host's network: its engine cannot enforce that.
    case notIsolated(name: String, reason: String)
    case using(String)
    /// A file's text, for `open` in line mode and `cat`.
    case fileShown(path: String, text: String)
    case wrote(path: String, bytes: Int)
    /// A table or a listing, formatted.
    case listing(String)
    case stopped(String)
    case removed(String)
    case execStarted(command: String, sandbox: String)
    case stdout(String)
    case stderr(String)
    case execFinished(ExecExit)
    /// What the command just finished changed in the sandbox's files (the console's sessions).
    case commandChanged(SandboxChanges, sandbox: String)
    /// `help`: the front end knows which commands it offers.
    case help(topic: String?)
    /// The command needs a front end with an editor (its table row says so).
    case needsEditor(CommandSpec)
    /// The command needs a terminal to hand over (`shell` in a script).
    case needsTerminal(CommandSpec)
    /// A background job started (`bg`), was killed, or its kept output was read (`logs`).
    case jobStarted(id: Int, command: String, sandbox: String)
    case jobKilled(id: Int, sandbox: String)
    case jobLog(id: Int, sandbox: String, text: String)
    /// A forwarded port (`port`): opened on `local` here, closed, or a connection's problem.
    case forwardOpened(sandbox: String, port: Int, local: String)
    case forwardClosed(sandbox: String, port: Int)
    case forwardProblem(sandbox: String, port: Int, message: String)
    /// A demo's server (job `job`) answers at `url` here.
    case serving(sandbox: String, job: Int, url: String)
    /// A snapshot taken, with what it does not hold; a sandbox put back to one; a fork's copy answering.
    case snapshotSaved(Snapshot)
    case restored(name: String, snapshot: String)
    case forked(name: String, of: String)
    case cancelled
    case failed(any Error)

    private static func changed(_ changes: SandboxChanges) -> String {
        let paths = changes.entries.prefix(5).map { ($0.kind == .added ? "+" : $0.kind == .deleted ? "-" : "~") + TerminalText.oneLine($0.path) }
        return "changed: \(Format.summary(changes)): \(paths.joined(separator: " "))\(changes.entries.count > 5 ? " …" : "") (changes lists them all)\n"
    }

    private static func saved(_ snapshot: Snapshot) -> String {
        (["saved \(snapshot) (\(Format.size(snapshot.size)))"] + Format.snapshotNotes(snapshot).map { "note: \($0)" }).joined(separator: "\n") + "\n"
    }

    /// Where an event's text goes in line mode.
    public enum Channel: Sendable { case out, err }

    /// The event as a line-mode front end prints it, or nil when it prints nothing.
    public var lineText: (text: String, channel: Channel)? {
        switch self {
        case .creatingDefault(let image): ("no sandbox yet: creating one from \(image)\n", .out)
        case .buildProgress(let progress):
            ("build \(progress.runtime): " + (progress.step.map { "[\($0)/\(progress.totalSteps ?? 0)] " } ?? "") + progress.line + "\n", .out)
        case .created(let name, let from, let fromPool):
            ("created \(name) (\(from)\(fromPool ? ", ready from the pool" : "")), now current\n", .out)
        case .notIsolated(let name, let reason):
            ("note: \(name) is not isolated: it reaches the host's services and other sandboxes (\(reason))\n", .err)
        case .using(let name): ("using \(name)\n", .out)
        case .fileShown(_, let text): (text.hasSuffix("\n") || text.isEmpty ? text : text + "\n", .out)
        case .wrote(let path, let bytes): ("wrote \(bytes) bytes to \(path)\n", .out)
        case .listing(let text): (text, .out)
        case .stopped(let name): ("stopped \(name)\n", .out)
        case .removed(let name): ("removed \(name)\n", .out)
        case .execStarted: nil
        case .stdout(let text): (text, .out)
        case .stderr(let text): (text, .err)
        case .execFinished(let exit):
            if exit.timedOut { ("[timed out after \(Format.duration(exit.duration.seconds))]\n", .err) }
            else if exit.exitCode != 0 { ("[exit \(exit.exitCode)]\n", .err) }
            else { nil }
        case .help(let topic): (CommandTable.help(topic, tui: false) + "\n", .out)
        case .needsEditor(let spec): ("error: \(spec.name) needs the editor of the full-screen console (run sandbox with no arguments)\n", .err)
        case .needsTerminal(let spec): ("error: \(spec.name) needs a terminal (stdin is not one)\n", .err)
        case .jobStarted(let id, _, let sandbox): ("job \(id) started in \(sandbox): logs \(id) shows its output, kill \(id) ends it\n", .out)
        case .jobKilled(let id, let sandbox): ("killed job \(id) in \(sandbox)\n", .out)
        case .jobLog(_, _, let text): (text.hasSuffix("\n") || text.isEmpty ? text : text + "\n", .out)
        case .forwardOpened(let sandbox, let port, let local): ("forwarding \(local) to port \(port) in \(sandbox) (port -d \(port) stops)\n", .out)
        case .forwardClosed(let sandbox, let port): ("stopped forwarding port \(port) of \(sandbox)\n", .out)
        case .forwardProblem(_, let port, let message): ("port \(port): \(message)\n", .err)
        case .serving(let sandbox, let job, let url): ("demo: \(url) serves the sample (job \(job) in \(sandbox): logs \(job) shows its output, kill \(job) stops it)\n", .out)
        case .commandChanged(let changes, _): (Self.changed(changes), .out)
        case .snapshotSaved(let snapshot):
            (Self.saved(snapshot), .out)
        case .restored(let name, let snapshot): ("restored \(name) to \(snapshot); \(Format.notCarried)\n", .out)
        case .forked(let name, let source): ("made \(name), a copy of \(source)\n", .out)
        case .cancelled: ("error: cancelled\n", .err)
        case .failed(let error): ("error: \(error)\n", .err)
        }
    }
}

/// Where a session's events go: the REPL prints them, the console fills its panes.
public protocol SessionOutput: Sendable {
    func handle(_ event: SessionEvent)
}
