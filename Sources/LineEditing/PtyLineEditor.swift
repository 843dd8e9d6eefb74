import CEditLine
import Foundation

/// libedit editing a line for a full-screen program that owns the real terminal.
///
/// libedit only edits on a terminal, so it gets a pseudo-terminal of its own: keys are written
/// to the master side, libedit reads them from the slave one key at a time (the callback
/// interface), its redisplay output is drained and dropped, and the caller draws the line
/// from `line`/`cursor` itself. Emacs keys, history and Tab completion all come from libedit.
/// Create it before ``Readline/setUp(history:)``.
public final class PtyLineEditor {
    private var master: Int32 = -1
    private var slave: Int32 = -1
    private var input: UnsafeMutablePointer<FILE>?
    private var output: UnsafeMutablePointer<FILE>?
    private let prompt: String
    nonisolated(unsafe) private static var completed: [String] = []

    public init?(prompt: String = "", width: Int = 200) {
        self.prompt = prompt
        var winsize = winsize(ws_row: 1, ws_col: UInt16(clamping: max(20, width)), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &winsize) == 0 else { return nil }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        input = fdopen(slave, "r")
        output = fdopen(dup(slave), "w")
        guard input != nil, output != nil else { return nil }
        sandbox_rl_set_streams(input, output)
        // Rebuild libedit on the new streams (this also resets its history: load it after),
        // with its signal handling off: it would signal our whole process group.
        sandbox_rl_initialize()
        install()
    }

    deinit {
        rl_callback_handler_remove()
        if let input { fclose(input) }
        if let output { fclose(output) }
        close(master)
    }

    /// Feeds one key's bytes (a character, a control code, or an escape sequence) and returns
    /// the lines that became complete.
    public func feed(_ bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return [] }
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        var pollfd = pollfd(fd: slave, events: Int16(POLLIN), revents: 0)
        // One call per key libedit reads; stop when nothing is left, never blocking the UI.
        while poll(&pollfd, 1, 0) == 1, pollfd.revents & Int16(POLLIN) != 0 {
            let before = Self.completed.count
            rl_callback_read_char()
            drain()
            // After a line libedit leaves character mode: the next line would be read whole,
            // with no editing, history or completion until Enter. Put it back.
            if Self.completed.count > before { install() }
        }
        let lines = Self.completed
        Self.completed.removeAll()
        return lines
    }

    /// The line being edited.
    public var line: String { String(cString: sandbox_rl_line_buffer()) }

    /// The cursor as a character offset into `line`.
    public var cursor: Int {
        let bytes = Array(line.utf8.prefix(Int(max(0, sandbox_rl_point()))))
        return String(decoding: bytes, as: UTF8.self).count
    }

    /// Empties the line (Ctrl-A Ctrl-K), e.g. when the command line is left with Esc.
    public func clear() { _ = feed([0x01, 0x0B]) }

    private func install() {
        rl_callback_handler_install(prompt) { raw in
            guard let raw else { return }
            PtyLineEditor.completed.append(String(cString: raw))
            free(raw)
        }
        drain()
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(master, &buffer, buffer.count) > 0 {}
    }
}
