import Foundation

/// The user's XDG base directories, each with sandbox's own folder in it.
public enum UserDirectories {
    /// `$XDG_STATE_HOME/sandbox` (default `~/.local/state/sandbox`): history, agent journals.
    public static var state: URL { base("XDG_STATE_HOME", default: ".local/state") }
    /// `$XDG_CONFIG_HOME/sandbox` (default `~/.config/sandbox`): runtimes.toml, themes.
    public static var config: URL { base("XDG_CONFIG_HOME", default: ".config") }
    /// `$XDG_CACHE_HOME/sandbox` (default `~/.cache/sandbox`): the built-in runner written out.
    public static var cache: URL { base("XDG_CACHE_HOME", default: ".cache") }
    /// The command history the REPL and the console's command line share.
    public static var history: URL { state.appendingPathComponent("history") }

    private static func base(_ variable: String, default relative: String) -> URL {
        let value = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        return (value ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(relative)).appendingPathComponent("sandbox")
    }
}
