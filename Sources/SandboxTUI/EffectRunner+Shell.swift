import SandboxCommands
import SandboxKit

/// A shell the console has open: the TTY exec and the emulator that draws it.
struct OpenShell {
    let session: ShellSession
    let terminal: ShellTerminal
}

/// The shell panes' work: each shell's output is a long-running effect (slot `.shell(name)`)
/// feeding its emulator, whose screen goes back as ``ConsoleEvent/shellScreen(sandbox:screen:)``.
extension EffectRunner {
    func openShell(_ command: String?, rows: Int, columns: Int) {
        let (session, inbox) = (session, inbox)
        spawn { [weak self] in
            do {
                // TERM as libvterm emulates it: xterm's keys, colours and alternate screen.
                // Named as the list names it (NAME@CONTEXT on another engine), with the sandbox it opened in.
                let (_, name, shell) = try await session.openShell(command, rows: rows, columns: columns, term: "xterm-256color",
                                                                   output: InboxOutput(inbox: inbox))
                guard let self, !finished else { return await shell.close() }
                if let open = shells[name] {
                    // One opened meanwhile for the same sandbox: keep that one.
                    await shell.close()
                    inbox.yield(.shellOpened(sandbox: name, screen: open.terminal.screen))
                    return
                }
                guard let terminal = ShellTerminal(rows: rows, columns: columns) else {
                    await shell.close()
                    inbox.yield(.failed("the terminal emulator could not be made (out of memory)"))
                    return
                }
                follow(name, OpenShell(session: shell, terminal: terminal))
            } catch {
                inbox.yield(.failed("shell: \(error)"))
            }
        }
    }

    /// Feeds the shell's output to its emulator until it ends, then reports its exit code.
    private func follow(_ name: String, _ open: OpenShell) {
        shells[name] = open
        let inbox = inbox
        inbox.yield(.shellOpened(sandbox: name, screen: open.terminal.screen))
        start(.shell(name)) { [weak self] in
            for await chunk in open.session.output {
                let answer = open.terminal.feed(chunk)
                if !answer.isEmpty { open.session.write(answer) }
                inbox.yield(.shellScreen(sandbox: name, screen: open.terminal.screen))
            }
            let code = try? await open.session.exitCode()
            if self?.shells[name]?.session === open.session { self?.shells[name] = nil }
            inbox.yield(.shellEnded(sandbox: name, exitCode: code))
        }
    }

    func shellKey(_ name: String, _ key: Key) {
        guard let open = shells[name], let bytes = open.terminal.bytes(for: key) else { return }
        open.session.write(bytes)
    }

    func resizeShells(rows: Int, columns: Int) {
        for (name, open) in shells {
            open.terminal.resize(rows: rows, columns: columns)
            inbox.yield(.shellScreen(sandbox: name, screen: open.terminal.screen))
            spawn { try? await open.session.resize(rows: rows, columns: columns) }
        }
    }

    /// Ends every open shell in its sandbox (at the console's end).
    func closeShells() async {
        let open = shells.values.map(\.session)
        shells.removeAll()
        for session in open { await session.close() }
    }
}
