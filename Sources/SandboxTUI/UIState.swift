import Foundation
import SandboxKit

public enum Focus: Int, CaseIterable, Sendable { case list, editor, output, command }

public enum Connection: Equatable, Sendable {
    case connecting
    case connected(api: String)
    case down(String)
}

/// Everything the screen shows. The controller changes it; ``Screen`` draws it.
public struct UIState: Sendable {
    public var sandboxes: [SandboxInfo] = []
    public var selected = 0
    public var showAll = false
    /// Sandboxes this console is creating, by name: "starting" or "building".
    public var pending: [String: SandboxState] = [:]
    public var current: String?

    public var editor: EditorBuffer?
    public var editorPath: String?
    /// The sandbox the buffer came from: saves go there, whatever is current.
    public var editorSandbox: String?
    public var editorTop = 0
    public var editorLeft = 0

    public var output = OutputLog()
    public var focus: Focus = .list
    /// The focus to return to when the command line is left.
    public var previousFocus: Focus = .list

    public var prompt = ":"
    public var commandText = ""
    public var commandCursor = 0

    public var address = ""
    public var connection: Connection = .connecting
    public var message: (text: String, isError: Bool)?
    public var running: String?

    public var showHelp = false
    public var ascii = false
    public var mouse = false
    public var themeName = "dark"
    public var now = Date()

    public init() {}

    /// The list's rows: pending sandboxes first, then what the daemon reports.
    public var rows: [SandboxInfo] {
        let listed = Set(sandboxes.map(\.name))
        let waiting = pending.filter { !listed.contains($0.key) }.sorted { $0.key < $1.key }.map { name, state in
            SandboxInfo(name: name, containerID: "", image: "", runtime: nil, state: state, status: state.rawValue, createdBy: .tui,
                        client: nil, created: now, managed: true)
        }
        return waiting + sandboxes
    }

    public var selectedSandbox: SandboxInfo? {
        let rows = rows
        return rows.indices.contains(selected) ? rows[selected] : nil
    }
}
