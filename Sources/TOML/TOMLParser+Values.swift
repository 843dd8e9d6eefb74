extension TOMLParser {
    /// A value, chosen by its first character.
    mutating func value() throws(TOMLError) -> TOMLValue {
        switch peek {
        case 0x22?:
            return .string(peek(1) == 0x22 && peek(2) == 0x22 ? try multilineBasicString() : try basicString())
        case 0x27?:
            return .string(peek(1) == 0x27 && peek(2) == 0x27 ? try multilineLiteralString() : try literalString())
        case 0x5B?: return try array()
        case 0x7B?: return try inlineTable()
        case 0x74?, 0x66?:
            for (word, value) in [("true", true), ("false", false)] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return .boolean(value)
            }
            throw fail("expected a value, found \(found) (booleans are true and false, in lower case)")
        case let byte? where byte == 0x2B || byte == 0x2D || byte == 0x69 || byte == 0x6E || (0x30...0x39).contains(byte):
            return try numberOrDate()
        default:
            throw fail("expected a value, found \(found)")
        }
    }

    /// `[1, 2, 3]`: values of any types, over lines, with comments, a trailing comma allowed.
    private mutating func array() throws(TOMLError) -> TOMLValue {
        try nest()
        defer { depth -= 1 }
        index += 1
        var items: [TOMLNode] = []
        while true {
            try skipBlank()
            if peek == 0x5D { index += 1; return .array(items) }
            let start = here()
            items.append(TOMLNode(try value(), at: start))
            try skipBlank()
            switch peek {
            case 0x2C?: index += 1
            case 0x5D?: index += 1; return .array(items)
            default: throw fail("expected ',' or ']' in the array, found \(found)")
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma, closed once written.
    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        try nest()
        defer { depth -= 1 }
        index += 1
        let table = TableBuilder(.header, at: here())
        skipWhitespace()
        if peek == 0x7D { index += 1; return .table(table.build()) }
        while true {
            try define(try key(), try valueAfterEquals(), in: table)
            skipWhitespace()
            switch peek {
            case 0x2C?:
                index += 1
                skipWhitespace()
                if peek == 0x7D { throw fail("an inline table cannot end with a comma") }
            case 0x7D?: index += 1; return .table(table.build())
            default: throw fail("expected ',' or '}' in the inline table (which must fit on one line), found \(found)")
            }
        }
    }

    private mutating func nest() throws(TOMLError) {
        guard depth < Self.maxDepth else { throw fail("arrays and inline tables nest at most \(Self.maxDepth) deep here") }
        depth += 1
    }
}
