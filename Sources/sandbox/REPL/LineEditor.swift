import Foundation
import LineEditing
import SandboxKit

/// Line input for the REPL: libedit (emacs keys, history, Tab completion) on a terminal, plain
/// `readLine` otherwise so a file of commands runs as a script.
struct LineEditor {
    let interactive: Bool

    init(interactive: Bool) {
        self.interactive = interactive
        if interactive { Readline.setUp(history: UserDirectories.history) }
    }

    /// The next line, or nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) -> String? {
        interactive ? Readline.readLine(prompt: prompt) : Swift.readLine(strippingNewline: true)
    }
}
