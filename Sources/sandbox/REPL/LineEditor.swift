import Foundation
import LineEditing
import SandboxKit

/// Line input for the REPL: libedit (emacs keys, history, Tab completion) on a terminal, plain
/// `readLine` otherwise so a file of commands runs as a script.
struct LineEditor {
    let interactive: Bool

    init(interactive: Bool) {
        self.interactive = interactive
        guard interactive else { return }
        // A signal that ends the REPL at a prompt must not leave the terminal in libedit's modes.
        TerminalGuard.install([SIGINT, SIGTERM, SIGHUP, SIGQUIT], unlessHandled: true)
        Readline.setUp(history: UserDirectories.history)
    }

    /// The next line, or nil at end of input (Ctrl-D on an empty line). With `remembering:
    /// false` the line is kept out of the shared history file.
    func readLine(prompt: String, remembering: Bool = true) -> String? {
        interactive ? Readline.readLine(prompt: prompt, remembering: remembering) : Swift.readLine(strippingNewline: true)
    }
}
