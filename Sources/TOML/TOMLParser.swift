/// The document's grammar over its UTF-8 bytes (TOML 1.0 ABNF): expressions, keys and headers here;
/// values in the `+Values`, `+Strings` and `+Numbers` files.
struct TOMLParser {
    typealias Key = [(name: String, position: TOMLPosition)]

    let bytes: [UInt8]
    var index = 0
    private var line = 1
    private var lineStart = 0
    let root: TableBuilder
    private var current: TableBuilder
    /// How deep arrays and inline tables are nested where the cursor is (bounded: the parser recurses).
    var depth = 0
    static let maxDepth = 128
    /// The last column worked out, so a long line's columns are counted once, not from its start each time.
    private var columnMark = (index: 0, column: 1)

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        root = TableBuilder(.header, at: TOMLPosition(line: 1, column: 1))
        current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
    }

    // MARK: The cursor

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    func peek(_ ahead: Int) -> UInt8? { index + ahead < bytes.count ? bytes[index + ahead] : nil }
    var atEnd: Bool { index >= bytes.count }

    /// Where the cursor is, for an error (counted from the line's start: once per document).
    var position: TOMLPosition {
        TOMLPosition(line: line, column: bytes[lineStart..<min(index, bytes.count)].count(where: { $0 & 0xC0 != 0x80 }) + 1)
    }

    /// Where the cursor is, for a key or a value: counted on from the last mark on this line.
    mutating func here() -> TOMLPosition {
        let end = min(index, bytes.count)
        let from = columnMark.index >= lineStart && columnMark.index <= end ? columnMark : (index: lineStart, column: 1)
        let column = from.column + bytes[from.index..<end].count(where: { $0 & 0xC0 != 0x80 })
        columnMark = (end, column)
        return TOMLPosition(line: line, column: column)
    }

    func fail(_ message: String) -> TOMLError { TOMLError(message, at: position) }
    func fail(_ message: String, at position: TOMLPosition) -> TOMLError { TOMLError(message, at: position) }

    /// What is at the cursor, for messages: `'x'`, "a newline", "the end of the file".
    var found: String {
        guard let byte = peek else { return "the end of the file" }
        if byte == 0x0A || byte == 0x0D { return "a newline" }
        if byte < 0x20 || byte == 0x7F { return "control character U+\(String(byte, radix: 16, uppercase: true))" }
        var end = index + 1  // the whole character, not its first byte
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
    }

    mutating func skipWhitespace() { while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 } }

    /// Consumes a newline (LF or CRLF) if one is at the cursor.
    mutating func newline() throws(TOMLError) -> Bool {
        switch peek {
        case 0x0A?: index += 1
        case 0x0D?:
            guard peek(1) == 0x0A else { throw fail("a carriage return must be followed by a line feed") }
            index += 2
        default: return false
        }
        line += 1
        lineStart = index
        return true
    }

    /// A `#` comment to the end of its line; control characters other than tab are not allowed in it.
    mutating func comment() throws(TOMLError) {
        guard peek == 0x23 else { return }
        index += 1
        while let byte = peek, byte != 0x0A {
            if byte == 0x0D && peek(1) == 0x0A { break }
            if byte < 0x20 && byte != 0x09 || byte == 0x7F { throw fail("\(found) is not allowed in a comment") }
            index += 1
        }
    }

    /// Whitespace, newlines and comments, as allowed between an array's values.
    mutating func skipBlank() throws(TOMLError) {
        while true {
            skipWhitespace()
            try comment()
            if try !newline() { return }
        }
    }

    // MARK: Expressions

    mutating func document() throws(TOMLError) -> TOMLTable {
        while !atEnd {
            skipWhitespace()
            switch peek {
            case nil, 0x23?, 0x0A?, 0x0D?: break
            case 0x5B?: try header()
            default: try define(try key(), try valueAfterEquals(), in: current)
            }
            skipWhitespace()
            try comment()
            if !atEnd, try !newline() { throw fail("expected the end of the line, found \(found)") }
        }
        return root.build()
    }

    mutating func valueAfterEquals() throws(TOMLError) -> TOMLValue {
        skipWhitespace()
        guard peek == 0x3D else { throw fail("expected '=' after the key, found \(found)") }
        index += 1
        skipWhitespace()
        return try value()
    }

    /// A key: bare or quoted parts joined by dots, with the position of each part.
    mutating func key() throws(TOMLError) -> Key {
        var parts: Key = []
        while true {
            skipWhitespace()
            let start = here()
            let name: String
            switch peek {
            case 0x22?:
                guard peek(1) != 0x22 || peek(2) != 0x22 else { throw fail("a key cannot be a multi-line string") }
                name = try basicString()
            case 0x27?:
                guard peek(1) != 0x27 || peek(2) != 0x27 else { throw fail("a key cannot be a multi-line string") }
                name = try literalString()
            default:
                let begin = index
                while let byte = peek, Self.isBareKey(byte) { index += 1 }
                guard index > begin else { throw fail("expected a key, found \(found)") }
                name = String(decoding: bytes[begin..<index], as: UTF8.self)
            }
            parts.append((name, start))
            skipWhitespace()
            guard peek == 0x2E else { return parts }
            index += 1
        }
    }

    static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F: true
        default: false
        }
    }

    static func dotted(_ key: Key) -> String {
        key.map { part in
            !part.name.isEmpty && part.name.utf8.allSatisfy(isBareKey) ? part.name : "\"\(part.name)\""
        }.joined(separator: ".")
    }

    // MARK: Tables

    /// `[a.b]` or `[[a.b]]`.
    private mutating func header() throws(TOMLError) {
        let start = here()
        index += 1
        let isArray = peek == 0x5B
        if isArray { index += 1 }
        let path = try key()
        guard peek == 0x5D, !isArray || peek(1) == 0x5D else {
            throw fail("expected '\(isArray ? "]]" : "]")' to close the table header, found \(found)")
        }
        index += isArray ? 2 : 1
        current = isArray ? try appendTable(path, at: start) : try openTable(path, at: start)
    }

    /// Walks a header's path up to its last part, making the tables it names along the way.
    private func parent(of path: Key) throws(TOMLError) -> TableBuilder {
        var table = root
        for (offset, part) in path.dropLast().enumerated() {
            let name = Self.dotted(Key(path.prefix(offset + 1)))
            switch table[part.name] {
            case nil:
                let made = TableBuilder(.implicit, at: part.position)
                table[part.name] = .table(made)
                table = made
            case .table(let next): table = next
            case .tables(let list, _): table = list[list.count - 1]
            case .value(let node):
                throw fail("\(name) is already \(node.value.typeName) (line \(node.position.line)), not a table", at: part.position)
            }
        }
        return table
    }

    private func openTable(_ path: Key, at start: TOMLPosition) throws(TOMLError) -> TableBuilder {
        let parent = try parent(of: path)
        let last = path[path.count - 1]
        let name = Self.dotted(path)
        switch parent[last.name] {
        case nil:
            let made = TableBuilder(.header, at: start)
            parent[last.name] = .table(made)
            return made
        case .table(let table):
            switch table.kind {
            case .implicit:
                table.kind = .header
                table.position = start
                return table
            case .header: throw fail("table [\(name)] is defined twice (first at line \(table.position.line))", at: start)
            case .dotted: throw fail("table [\(name)] was already defined by dotted keys (line \(table.position.line))", at: start)
            }
        case .tables(_, let position):
            throw fail("\(name) is an array of tables (line \(position.line)): add to it with [[\(name)]]", at: start)
        case .value(let node):
            throw fail("\(name) is already \(node.value.typeName) (line \(node.position.line)), not a table", at: start)
        }
    }

    private func appendTable(_ path: Key, at start: TOMLPosition) throws(TOMLError) -> TableBuilder {
        let parent = try parent(of: path)
        let last = path[path.count - 1]
        let name = Self.dotted(path)
        let made = TableBuilder(.header, at: start)
        switch parent[last.name] {
        case nil: parent[last.name] = .tables([made], start)
        case .tables(let list, let position): parent[last.name] = .tables(list + [made], position)
        case .table(let table):
            throw fail("\(name) is a table (line \(table.position.line)), not an array of tables", at: start)
        case .value(let node):
            throw fail("\(name) is already \(node.value.typeName) (line \(node.position.line)); [[\(name)]] cannot add to it", at: start)
        }
        return made
    }

    /// `a.b.c = value` in `table`: dotted keys define the tables they pass through.
    func define(_ path: Key, _ value: TOMLValue, in table: TableBuilder) throws(TOMLError) {
        var table = table
        for (offset, part) in path.dropLast().enumerated() {
            let name = Self.dotted(Key(path.prefix(offset + 1)))
            switch table[part.name] {
            case nil:
                let made = TableBuilder(.dotted, at: part.position)
                table[part.name] = .table(made)
                table = made
            case .table(let next):
                guard next.kind != .header else {
                    throw fail("table [\(name)] was defined by its header (line \(next.position.line)); dotted keys cannot add to it", at: part.position)
                }
                next.kind = .dotted
                table = next
            case .tables(_, let position):
                throw fail("\(name) is an array of tables (line \(position.line)); dotted keys cannot add to it", at: part.position)
            case .value(let node):
                let what = if case .table = node.value { "an inline table" } else { node.value.typeName }
                throw fail("\(name) is already \(what) (line \(node.position.line)); dotted keys cannot add to it", at: part.position)
            }
        }
        let last = path[path.count - 1]
        if let existing = table[last.name] {
            let line = switch existing {
            case .value(let node): node.position.line
            case .table(let table): table.position.line
            case .tables(_, let position): position.line
            }
            throw fail("\(Self.dotted(path)) is defined twice (first at line \(line))", at: last.position)
        }
        table[last.name] = .value(TOMLNode(value, at: path[0].position))
    }
}
