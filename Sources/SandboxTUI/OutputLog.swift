import Foundation
import SandboxCommands

/// The output pane's contents: what commands print, with a header and a footer per command,
/// bounded scrollback, following the newest line unless the user scrolled up.
public struct OutputLog: Sendable {
    public struct Segment: Equatable, Sendable {
        public var text: String
        public var role: Role
    }
    public typealias Line = [Segment]

    public private(set) var lines: [Line] = []
    /// Lines dropped from the top to keep within `limit`.
    public private(set) var dropped = 0
    public let limit: Int
    /// How many lines above the newest the view ends; 0 follows new output.
    public private(set) var scrollBack = 0
    /// The last line is still being written (no newline yet).
    private var lineOpen = false
    private var droppedAtCommandStart = 0
    public var search: String?

    public init(limit: Int = 10_000) { self.limit = max(10, limit) }

    public var following: Bool { scrollBack == 0 }

    /// Appends streamed text; partial lines are continued by the next call.
    public mutating func append(_ text: String, role: Role) {
        guard !text.isEmpty else { return }
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            let piece = part.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\t", with: "    ")
            if index == 0 && lineOpen && !lines.isEmpty {
                if !piece.isEmpty { lines[lines.count - 1].append(Segment(text: piece, role: role)) }
            } else if index < parts.count - 1 || !piece.isEmpty {
                push([Segment(text: piece, role: role)])
            }
        }
        lineOpen = !(parts.last?.isEmpty ?? true)
    }

    /// A line of our own (headers, footers, notes), always on a fresh line.
    public mutating func note(_ text: String, role: Role) {
        lineOpen = false
        push([Segment(text: text, role: role)])
    }

    public mutating func commandStarted(_ command: String, sandbox: String) {
        droppedAtCommandStart = dropped
        note("-- $ \(command)   [\(sandbox)]", role: .header)
    }

    public mutating func commandFinished(exitCode: Int32, seconds: Double, timedOut: Bool) {
        let lost = dropped - droppedAtCommandStart
        var footer = "-- exit \(exitCode), \(Format.duration(seconds))"
        if timedOut { footer += ", timed out" }
        if lost > 0 { footer += ", truncated (\(lost) lines dropped from the scrollback)" }
        note(footer, role: exitCode == 0 ? .header : .error)
    }

    private mutating func push(_ line: Line) {
        lines.append(line)
        if scrollBack > 0 { scrollBack += 1 }  // keep the view still while the user reads
        if lines.count > limit {
            let excess = lines.count - limit
            lines.removeFirst(excess)
            dropped += excess
            scrollBack = min(scrollBack, max(0, lines.count - 1))
        }
    }

    // MARK: Scrolling

    public mutating func scroll(by delta: Int, viewHeight: Int) {
        scrollBack = min(max(0, scrollBack - delta), max(0, lines.count - viewHeight))
    }

    public mutating func scrollToTop(viewHeight: Int) { scrollBack = max(0, lines.count - viewHeight) }
    public mutating func follow() { scrollBack = 0 }

    /// The lines visible in a view of `height` rows (a note of dropped lines goes first).
    public func visible(height: Int) -> [Line] {
        var all = lines
        if dropped > 0 { all.insert([Segment(text: "... \(dropped) earlier lines dropped (scrollback limit \(limit))", role: .dim)], at: 0) }
        let end = max(0, all.count - scrollBack)
        return Array(all[max(0, end - height)..<end])
    }

    /// Scrolls so the newest match of `query` above the current view's bottom is shown; wraps.
    @discardableResult
    public mutating func find(_ query: String, viewHeight: Int, next: Bool) -> Bool {
        guard !query.isEmpty else { return false }
        search = query
        let bottom = lines.count - 1 - scrollBack
        let start = next ? bottom - viewHeight / 2 - 1 : bottom
        for step in 0..<lines.count {
            let index = ((start - step) % lines.count + lines.count) % lines.count
            if lines[index].map(\.text).joined().localizedCaseInsensitiveContains(query) {
                // Put the match in the middle of the view when it can be.
                scrollBack = min(max(0, lines.count - 1 - index - viewHeight / 2), max(0, lines.count - viewHeight))
                return true
            }
        }
        return false
    }
}
