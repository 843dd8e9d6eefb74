import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit
import LineEditing
import Signals

struct Repl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A line-mode prompt for the same commands as the console; reads a script when stdin is not a terminal.")

    @Flag(help: "Keep the sandboxes this session created when it ends.") var keep = false
    @Flag(help: "Exit at the first failing command with its exit code.") var stopOnError = false
    @Option(help: "Start with this existing sandbox as the current one.") var sandbox: String?
    @OptionGroup var pool: PoolOption

    func run() async throws {
        let session = Session(engine: try SandboxEngine(), creator: .repl, pool: pool.make())
        await session.warmUp()
        let editor = LineEditor(interactive: Terminal.stdinIsTerminal)
        let output = ConsoleOutput()
        if let sandbox { await session.perform(.use(sandbox), output: output) }
        Readline.completer = { line in Blocking.wait(timeout: 2) { await session.completions(line: line) } ?? [] }
        let status = await ReplLoop(session: session, editor: editor, output: output, stopOnError: stopOnError).run()
        await session.shutdown(keepCreated: keep)
        if status != 0 { throw ExitCode(status) }
    }
}

/// Reads commands and runs them until `quit`, end of input, or (with stop-on-error) a failure.
struct ReplLoop {
    let session: Session
    let editor: LineEditor
    let output: ConsoleOutput
    let stopOnError: Bool

    /// The exit status: 0, or the failing command's with stop-on-error.
    func run() async -> Int32 {
        while let line = editor.readLine(prompt: await prompt()) {
            let command: Command?
            do {
                command = try CommandParser.parse(line)
            } catch {
                output.handle(.failed(error))
                if stopOnError { return 2 }
                continue
            }
            guard var command else { continue }
            if case .quit = command { break }
            if case .write(let path, let terminator, _) = command {
                guard let content = collect(until: terminator) else {
                    output.handle(.failed(SandboxError.invalidArgument("write \(path): input ended before the closing \(terminator); nothing written")))
                    return stopOnError ? 1 : 0
                }
                command = .write(path: path, terminator: terminator, content: content)
            }
            if case .open(let path) = command { command = .cat(path) }
            if case .shell(let line) = command, editor.interactive {
                let status = await shell(line)
                if status != 0 && stopOnError { return status }
                continue
            }
            let status = (try? await Interrupts.cancellable { [session, output, command] in
                await session.perform(command, output: output)
            }) ?? 130
            if status != 0 && stopOnError { return status }
        }
        return 0
    }

    /// Hands the terminal to a shell in the current sandbox; its exit code is the command's.
    private func shell(_ line: String?) async -> Int32 {
        do {
            switch try await TerminalShell.run({ [session, output] rows, columns, term in
                try await session.openShell(line, rows: rows, columns: columns, term: term, output: output).shell
            }) {
            case .exited(let code): return code
            case .signalled(let number): SignalSource.reraise(number)
            }
        } catch {
            output.handle(.failed(error))
            return 1
        }
    }

    private func prompt() async -> String {
        guard editor.interactive else { return "" }
        return await session.currentName.map { "sandbox[\($0)]> " } ?? "sandbox> "
    }

    /// The body of a `write PATH <<TAG` heredoc.
    private func collect(until terminator: String) -> String? {
        var lines: [String] = []
        // The body stays out of the history: it is file content, often a key or a password.
        while let line = editor.readLine(prompt: "> ", remembering: false) {
            if line == terminator { return lines.map { $0 + "\n" }.joined() }
            lines.append(line)
        }
        return nil
    }
}
