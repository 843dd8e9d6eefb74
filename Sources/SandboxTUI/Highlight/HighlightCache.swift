/// Each line's tokens, kept between frames: a line is scanned again only when its text or the
/// state the line above leaves has changed. Unchanged lines share their storage with the
/// buffer's, so telling them apart is a pointer comparison, and a keystroke costs one line.
public struct HighlightCache: Sendable {
    public private(set) var language: Language?
    private var entries: [Entry] = []

    struct Entry: Sendable {
        var text: [Character]
        var entry: LineState
        var tokens: [Token]
        var exit: LineState
    }

    public init() {}

    /// Brings lines `0...last` up to date (a line's colours depend on every line above it).
    public mutating func update(_ lines: [[Character]], language: Language?, through last: Int) {
        if language != self.language {
            self.language = language
            entries = []
        }
        guard let language else { return }
        if entries.count > lines.count { entries.removeLast(entries.count - lines.count) }
        var state = LineState.normal
        for index in 0..<max(0, min(last + 1, lines.count)) {
            if index < entries.count, entries[index].entry == state, entries[index].text == lines[index] {
                state = entries[index].exit
                continue
            }
            let (tokens, exit) = Highlighter.line(lines[index], language, from: state)
            let entry = Entry(text: lines[index], entry: state, tokens: tokens, exit: exit)
            if index < entries.count { entries[index] = entry } else { entries.append(entry) }
            state = exit
        }
    }

    /// The tokens of a line brought up to date by the last ``update(_:language:through:)``.
    public func tokens(_ index: Int) -> [Token] {
        language != nil && index < entries.count ? entries[index].tokens : []
    }
}
