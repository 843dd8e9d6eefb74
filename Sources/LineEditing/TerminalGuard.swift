import Foundation

/// Puts the terminal back before the process dies of a signal. libedit's own signal handling
/// did this but then re-sent the signal to the whole process group, so it is off (see
/// `sandbox_rl_no_signals`) and this takes its place. The handler makes only
/// async-signal-safe calls: write, tcsetattr, signal, raise.
public enum TerminalGuard {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var reset = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)

    /// Remembers the terminal's modes as they are now; on each of `signals` writes `reset` to
    /// stdout, restores the modes, and lets the signal take its default action. With
    /// `unlessHandled`, a signal that already has a handler keeps it.
    public static func install(_ signals: [Int32], reset bytes: [UInt8] = [], unlessHandled: Bool = false) {
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        reset = buffer
        for sig in signals {
            if unlessHandled {
                // signal() is the portable way to read a disposition: swap and put it back.
                let current = signal(sig, SIG_IGN)
                signal(sig, current)
                if current != nil { continue }  // SIG_DFL is nil; a handler or SIG_IGN stays
            }
            signal(sig) { signo in
                if TerminalGuard.reset.count > 0 { _ = write(STDOUT_FILENO, TerminalGuard.reset.baseAddress, TerminalGuard.reset.count) }
                tcsetattr(STDIN_FILENO, TCSANOW, &TerminalGuard.saved)
                signal(signo, SIG_DFL)
                raise(signo)
            }
        }
    }
}
