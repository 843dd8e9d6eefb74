import Foundation
import SandboxKit

/// Why a tab is no longer followed.
public enum TabEnd: Sendable, Equatable, CustomStringConvertible {
    /// Its job ended so; nil: it is gone from its sandbox's list.
    case job(SandboxJob.State?)
    /// Following it failed, in the error's words.
    case notFollowed(String)
    /// An egress tab of a sandbox whose network is open (nothing is denied) or absent.
    case networkOpen, noNetwork

    public var description: String {
        switch self {
        case .job(let state?): "\(state)"
        case .job(nil): "ended"
        case .notFollowed(let why): "not followed: \(why)"
        case .networkOpen: "network open"
        case .noNetwork: "no network"
        }
    }

    /// A job that exited 0: its end is news, not an error.
    var isSuccess: Bool { self == .job(.exited(0)) }
}

/// A tab of the output pane beside the commands' output, followed as what it shows comes: a
/// background job's output (what its sandbox kept, so a console started later has it too), or
/// what a sandbox is denied on the network.
public struct OutputTab: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A background job, by its number in its sandbox, and its command line.
        case job(id: Int, command: String)
        /// The sandbox's denied attempts to reach out (its `EgressRecord`s), and how many it shows.
        case egress(denied: Int)
    }

    public var sandbox: String
    public var kind: Kind
    public var log: OutputLog
    /// Why it is no longer followed; nil while it is.
    public var ended: TabEnd?

    /// The job's number, on a job's tab.
    public var job: Int? {
        if case .job(let id, _) = kind { id } else { nil }
    }

    /// Whether it is the tab `other` would be (its sandbox's same job, or its egress tab), whatever each holds.
    func isSame(as other: OutputTab) -> Bool {
        switch (kind, other.kind) {
        case (.job(let id, _), .job(let otherID, _)): sandbox == other.sandbox && id == otherID
        case (.egress, .egress): sandbox == other.sandbox
        case (.job, .egress), (.egress, .job): false
        }
    }
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
