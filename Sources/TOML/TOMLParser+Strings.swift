extension TOMLParser {
    /// `"..."`: escapes, one line.
    mutating func basicString() throws(TOMLError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek else { throw fail("the string has no closing '\"'") }
            switch byte {
            case 0x22: index += 1; return String(decoding: out, as: UTF8.self)
            case 0x5C: try escape(into: &out)
            case 0x0A, 0x0D: throw fail("the string has no closing '\"' on its line")
            default:
                try checkAllowed(byte, in: "a string")
                out.append(byte)
                index += 1
            }
        }
    }

    /// `"""..."""`: escapes, newlines, and a backslash at a line's end joining it to the next.
    mutating func multilineBasicString() throws(TOMLError) -> String {
        index += 3
        _ = try newline()  // a newline right after the opening quotes is not part of the string
        var out: [UInt8] = []
        while true {
            guard let byte = peek else { throw fail("the string has no closing '\"\"\"'") }
            switch byte {
            case 0x22:
                if try closesMultiline(0x22, into: &out) { return String(decoding: out, as: UTF8.self) }
            case 0x5C:
                // A line-ending backslash: whitespace to the end of the line, then all blank space after it.
                var ahead = index + 1
                while ahead < bytes.count, bytes[ahead] == 0x20 || bytes[ahead] == 0x09 { ahead += 1 }
                if ahead < bytes.count, bytes[ahead] == 0x0A || bytes[ahead] == 0x0D {
                    index = ahead
                    while true {
                        skipWhitespace()
                        if try !newline() { break }
                    }
                } else {
                    try escape(into: &out)
                }
            case 0x0A, 0x0D:
                _ = try newline()
                out.append(0x0A)  // CRLF is read as LF
            default:
                try checkAllowed(byte, in: "a string")
                out.append(byte)
                index += 1
            }
        }
    }

    /// `'...'`: no escapes, one line.
    mutating func literalString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek else { throw fail("the string has no closing \"'\"") }
            switch byte {
            case 0x27:
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            case 0x0A, 0x0D: throw fail("the string has no closing \"'\" on its line")
            default:
                try checkAllowed(byte, in: "a string")
                index += 1
            }
        }
    }

    /// `'''...'''`: no escapes, newlines kept.
    mutating func multilineLiteralString() throws(TOMLError) -> String {
        index += 3
        _ = try newline()
        var out: [UInt8] = []
        while true {
            guard let byte = peek else { throw fail("the string has no closing \"'''\"") }
            switch byte {
            case 0x27:
                if try closesMultiline(0x27, into: &out) { return String(decoding: out, as: UTF8.self) }
            case 0x0A, 0x0D:
                _ = try newline()
                out.append(0x0A)
            default:
                try checkAllowed(byte, in: "a string")
                out.append(byte)
                index += 1
            }
        }
    }

    /// At a quote in a multi-line string: three to five close it (one or two of them being content).
    private mutating func closesMultiline(_ quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            out += Array(repeating: quote, count: run)
            index += run
            return false
        }
        guard run <= 5 else { throw fail("too many quotes: a multi-line string ends with at most five") }
        out += Array(repeating: quote, count: run - 3)
        index += run
        return true
    }

    private func checkAllowed(_ byte: UInt8, in what: String) throws(TOMLError) {
        if byte < 0x20 && byte != 0x09 || byte == 0x7F {
            throw fail("\(found) is not allowed in \(what); write it as an escape")
        }
    }

    /// At a backslash: `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`.
    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        index += 1
        guard let letter = peek else { throw fail("the string ends inside an escape") }
        index += 1
        let simple: [UInt8: UInt8] = [0x62: 0x08, 0x74: 0x09, 0x6E: 0x0A, 0x66: 0x0C, 0x72: 0x0D, 0x22: 0x22, 0x5C: 0x5C]
        if let byte = simple[letter] { out.append(byte); return }
        guard letter == 0x75 || letter == 0x55 else {
            index -= 1
            throw fail("unknown escape \\\(found.dropFirst().dropLast()) (TOML 1.0 has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        }
        let count = letter == 0x75 ? 4 : 8
        guard index + count <= bytes.count,
              let code = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
              bytes[index..<index + count].allSatisfy({ Self.isHexDigit($0) })
        else { throw fail("\\\(letter == 0x75 ? "u" : "U") needs \(count) hexadecimal digits") }
        guard let scalar = Unicode.Scalar(code) else {
            throw fail("\\\(letter == 0x75 ? "u" : "U")\(String(decoding: bytes[index..<index + count], as: UTF8.self)) is not a Unicode scalar value")
        }
        index += count
        out += Array(String(Character(scalar)).utf8)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
