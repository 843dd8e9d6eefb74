import Foundation

/// A background job's tab of the output pane: what it printed (kept in its sandbox, so a console
/// started later has it too) and what it prints, followed until it ends.
public struct JobTab: Sendable {
    public var sandbox: String
    public var id: Int
    public var command: String
    public var log: OutputLog
    /// How it ended ("exited 0", "lost", or why it could not be followed); nil while it runs.
    public var ended: String?
}

/// A forwarded port as the list and the status line show it.
public struct ShownForward: Sendable, Equatable {
    public var sandbox: String
    public var port: Int
    /// Where it listens here, `HOST:PORT`.
    public var local: String
}

extension UIState {
    /// The log the output pane shows, which its keys scroll and search: the commands' output, or
    /// the shown job's.
    var shownLog: OutputLog {
        get { jobTabs.indices.contains(tab - 1) ? jobTabs[tab - 1].log : output }
        set {
            if jobTabs.indices.contains(tab - 1) { jobTabs[tab - 1].log = newValue } else { output = newValue }
        }
    }
}
