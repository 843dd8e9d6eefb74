import SandboxCommands
import SandboxKit

/// Tab on the command line: candidates are found here, off the main actor's way, and handed to
/// libedit with the Tab (``Effect/editLine(_:completions:)``), so typing never waits on the daemon.
extension EffectRunner {
    /// Themes from the theme store, the rest from the session (sandbox names, paths), given 1.5 s:
    /// a daemon slower than that offers nothing.
    nonisolated static func completions(_ line: String, session: Session) async -> [String] {
        let words = line.split(separator: " ")
        if words.first == "theme", words.count <= 2 {
            let prefix = line.hasSuffix(" ") ? "" : String(words.last ?? "")
            return ThemeStore.standard.names.filter { $0.hasPrefix(prefix) }
        }
        return await withDeadline(.milliseconds(1500)) { await session.completions(line: line) } ?? []
    }
}
