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
    /// Lines dropped from the top to keep within `limit` and `byteLimit`.
    public private(set) var dropped = 0
    public let limit: Int
    /// The most bytes of text kept, whatever the lines' count.
    public let byteLimit: Int
    /// A line grows to this many bytes at most; more is continued on the next line (a program
    /// printing without newlines would otherwise make one line that every frame and search reads whole).
    static let lineBytes = 4096
    private var bytes = 0
    /// The bytes of the last line, which output without a newline extends.
    private var openBytes = 0
    /// How many lines above the newest the view ends; 0 follows new output.
    public private(set) var scrollBack = 0
    /// The last line is still being written (no newline yet).
    private var lineOpen = false
    private var droppedAtCommandStart = 0
    public var search: String?
    /// The line F4 last went to, counted from the first line ever appended (dropped ones too).
    public private(set) var locationCursor: Int?
    /// Where the newest command's output begins, counted the same way: F4 starts there.
    private var newestCommand = 0

    public init(limit: Int = 10_000, byteLimit: Int = 8 << 20) {
        self.limit = max(10, limit)
        self.byteLimit = max(Self.lineBytes, byteLimit)
    }

    public var following: Bool { scrollBack == 0 }

    /// Appends streamed text; partial lines are continued by the next call.
    public mutating func append(_ text: String, role: Role) {
        guard !text.isEmpty else { return }
        // `\r` goes first: "\r\n" is one Character, which splitting at "\n" would not split.
        let parts = text.replacingOccurrences(of: "\r", with: "").split(separator: "\n", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            let piece = part.replacingOccurrences(of: "\t", with: "    ")
            if index == 0 && lineOpen && !lines.isEmpty {
                add(Substring(piece), role: role, fresh: false)
            } else if index < parts.count - 1 || !piece.isEmpty {
                add(Substring(piece), role: role, fresh: true)
            }
        }
        lineOpen = !(parts.last?.isEmpty ?? true)
        trim()
    }

    /// Puts `piece` on a new line (`fresh`) or the last one, continuing on new lines past ``lineBytes``.
    private mutating func add(_ piece: Substring, role: Role, fresh: Bool) {
        var rest = piece
        var fresh = fresh
        repeat {
            let chunk = Self.prefix(rest, bytes: fresh ? Self.lineBytes : Self.lineBytes - openBytes)
            if fresh {
                lines.append([Segment(text: String(chunk), role: role)])
                openBytes = 0
                if scrollBack > 0 { scrollBack += 1 }  // keep the view still while the user reads
            } else if !chunk.isEmpty {
                lines[lines.count - 1].append(Segment(text: String(chunk), role: role))
            }
            openBytes += chunk.utf8.count
            bytes += chunk.utf8.count
            rest = Substring(rest.unicodeScalars[chunk.endIndex...])
            fresh = true
        } while !rest.isEmpty
    }

    /// The longest start of `text` of at most `bytes` UTF-8 bytes, cut between scalars (a
    /// grapheme cluster can be any length).
    private static func prefix(_ text: Substring, bytes: Int) -> Substring {
        guard text.utf8.count > bytes else { return text }
        var end = text.utf8.index(text.startIndex, offsetBy: max(0, bytes))
        while end > text.startIndex, text.utf8[end] & 0xC0 == 0x80 { end = text.utf8.index(before: end) }
        return Substring(text.unicodeScalars[..<end])
    }

    /// A line of our own (headers, footers, notes), always on a fresh line.
    public mutating func note(_ text: String, role: Role) {
        lineOpen = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { add(line, role: role, fresh: true) }
        trim()
    }

    public mutating func commandStarted(_ command: String, sandbox: String) {
        droppedAtCommandStart = dropped
        newestCommand = dropped + lines.count
        note("-- $ \(command)   [\(sandbox)]", role: .header)
    }

    public mutating func commandFinished(exitCode: Int32, seconds: Double, timedOut: Bool) {
        let lost = dropped - droppedAtCommandStart
        var footer = "-- exit \(exitCode), \(Format.duration(seconds))"
        if timedOut { footer += ", timed out" }
        if lost > 0 { footer += ", truncated (\(lost) lines dropped from the scrollback)" }
        note(footer, role: exitCode == 0 ? .header : .error)
    }

    /// Drops the oldest lines past `limit`, and past `byteLimit` (the newest line stays).
    private mutating func trim() {
        var excess = max(0, lines.count - limit)
        var kept = bytes
        for line in lines[..<excess] { kept -= line.reduce(0) { $0 + $1.text.utf8.count } }
        while kept > byteLimit, excess < lines.count - 1 {
            kept -= lines[excess].reduce(0) { $0 + $1.text.utf8.count }
            excess += 1
        }
        guard excess > 0 else { return }
        lines.removeFirst(excess)
        bytes = kept
        dropped += excess
        scrollBack = min(scrollBack, max(0, lines.count - 1))
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

    // MARK: Locations (F4)

    /// The next (or previous) line after the last one gone to that names a location, and the
    /// location; the view scrolls to it. Output of a command newer than that line starts afresh.
    public mutating func goToLocation(forward: Bool, viewHeight: Int) -> FileLocation? {
        let first = dropped
        let cursor = locationCursor.flatMap { $0 >= newestCommand && $0 >= first ? $0 : nil }
        let candidates: StrideTo<Int> = forward
            ? stride(from: cursor.map { $0 + 1 } ?? max(newestCommand, first), to: first + lines.count, by: 1)
            : stride(from: (cursor ?? first + lines.count) - 1, to: max(newestCommand, first) - 1, by: -1)
        for absolute in candidates {
            let line = lines[absolute - first]
            guard line.first?.role != .header, let location = FileLocation.find(in: line.map(\.text).joined()) else { continue }
            locationCursor = absolute
            scrollBack = min(max(0, lines.count - 1 - (absolute - first) - viewHeight / 2), max(0, lines.count - viewHeight))
            return location
        }
        return nil
    }

    /// The row of ``visible(height:)`` holding the line F4 last went to, if shown.
    public func locationRow(height: Int) -> Int? {
        guard let cursor = locationCursor, cursor >= dropped else { return nil }
        let note = dropped > 0 ? 1 : 0
        let end = max(0, lines.count + note - scrollBack)
        let start = max(0, end - height)
        let index = cursor - dropped + note
        return (start..<end).contains(index) ? index - start : nil
    }

    /// Output about to come (a `:grep`'s) is where F4 starts, as a command's is.
    public mutating func markNewOutput() { newestCommand = dropped + lines.count }
}
