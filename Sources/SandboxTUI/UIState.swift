import Foundation
import SandboxKit

public enum Focus: Int, CaseIterable, Sendable { case list, editor, output, command, shell }

public enum Connection: Equatable, Sendable {
    case connecting
    case connected(api: String)
    case down(String)
}

/// A question in the status line: the next key answers it (and does nothing else).
public enum Question: Sendable, Equatable {
    /// Quit although the buffer is modified.
    case quit
    /// Drop the modified buffer and open this path.
    case open(String)
    /// Drop the modified buffer and reopen a kept copy.
    case reopen(RecoveryCopy)

    /// The answer that goes ahead; any other key keeps things as they are.
    public var yes: Key { self == .quit ? .char("q") : .char("y") }
}

/// Why the console is ending.
public enum Ending: Sendable, Equatable {
    /// The user quit: any unsaved changes were asked about.
    case quit
    /// A signal or a lost terminal: a modified buffer is kept as a recovery copy.
    case signal
}

/// Everything the console knows. Only ``Reducer`` changes it; ``Screen`` draws it.
public struct UIState: Sendable {
    /// Every engine the list shows, the primary (the one this console was started on) first;
    /// ``sandboxes`` and ``connection`` are the primary's.
    public var engines = [EngineView(name: "default", endpoint: "")]
    public var selected = 0
    public var showAll = false
    /// Sandboxes this console is creating, by name: "starting" or "building".
    public var pending: [String: SandboxState] = [:]
    /// The engine those are being made on; nil: the primary.
    public var pendingEngine: String?
    public var current: String?
    /// The primary engine's sandboxes' snapshot labels, newest first, by sandbox name.
    public var snapshots: [String: [String]] = [:]
    /// Running sandboxes' CPU and memory by container id (ids are unique across engines).
    public var stats: [String: SandboxStats] = [:]

    public var editor: EditorBuffer?
    public var editorPath: String?
    /// The sandbox the buffer came from: saves go there, whatever is current.
    public var editorSandbox: String?
    /// Where the file being opened for F4 puts its cursor once it arrives.
    public var pendingLocation: FileLocation?
    public var editorTop = 0
    public var editorLeft = 0
    /// The editor's colours per line, kept between frames (``Screen`` updates it).
    public var highlight = HighlightCache()

    public var output = OutputLog()
    /// The output pane's other tabs, and the tab shown (0: the commands' output above).
    public var tabs: [OutputTab] = []
    public var tab = 0
    /// Sandboxes whose jobs this console has looked for (once each, when first current).
    public var jobsLooked: Set<String> = []
    /// Forwarded ports, for the list and the status line.
    public var forwards: [ShownForward] = []
    public var focus: Focus = .list
    /// The focus to return to when the command line is left.
    public var previousFocus: Focus = .list

    public var prompt = ":"
    /// Where a search typed on the command line looks; nil for a command.
    public var searchTarget: Focus?
    public var commandText = ""
    public var commandCursor = 0

    public var address = ""
    public var message: (text: String, isError: Bool)?
    public var running: String?
    public var question: Question?
    /// Buffers earlier consoles could not save, newest first (F6 reopens, F7 discards).
    public var kept: [RecoveryCopy] = []
    public var ending: Ending?

    /// Open shells' screens by sandbox name, and the one the shell pane shows (nil: none shown).
    public var shells: [String: TerminalScreen] = [:]
    public var shellShown: String?

    public var showHelp = false
    /// The file the screen is being recorded to.
    public var recording: String?
    public var ascii = false
    public var mouse = false
    public var themeName = "dark"
    /// The clock as the last tick gave it (the console sets it at start): the reducer and the
    /// screen read no clock of their own.
    public var now = Date(timeIntervalSince1970: 0)
    /// What `new` without an image makes (`SANDBOX_DEFAULT_IMAGE`, read by the console at start).
    public var defaultImage = "python:3.12-slim"
    /// The terminal's size, for the layout the keys scroll and click in.
    public var width = 80
    public var height = 24

    public init() {}

    /// The output pane's rows.
    public var outputHeight: Int { max(1, Screen.layout(width: width, height: height).output.inner.height) }

    public var selectedSandbox: SandboxInfo? {
        let rows = rows
        return rows.indices.contains(selected) ? rows[selected] : nil
    }
}
