import Foundation

/// A tab of the output pane beside the commands' output, followed as what it shows comes: a
/// background job's output (what its sandbox kept, so a console started later has it too).
public struct OutputTab: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A background job, by its number in its sandbox, and its command line.
        case job(id: Int, command: String)
    }

    public var sandbox: String
    public var kind: Kind
    public var log: OutputLog
    /// How it ended ("exited 0", "lost", or why it could not be followed); nil while followed.
    public var ended: String?

    /// The job's number, on a job's tab.
    public var job: Int? {
        switch kind {
        case .job(let id, _): id
        }
    }

    /// Whether it is the tab `other` would be (its sandbox's same job), whatever each holds.
    func isSame(as other: OutputTab) -> Bool { sandbox == other.sandbox && job == other.job }
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
    /// the shown tab's.
    var shownLog: OutputLog {
        get { tabs.indices.contains(tab - 1) ? tabs[tab - 1].log : output }
        set {
            if tabs.indices.contains(tab - 1) { tabs[tab - 1].log = newValue } else { output = newValue }
        }
    }
}
