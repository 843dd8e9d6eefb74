/// A TOML 1.0 decoder that keeps the position of every key, so configuration errors can name
/// their line. It passes the toml-test suite's 1.0 cases (Tests/TOMLTests).
public enum TOML {
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(Array(text.utf8))
        return try parser.document()
    }

    /// Bytes as read from a file: invalid UTF-8 is an error at its position, not a replacement.
    public static func parse(bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        if let offset = firstInvalidUTF8(bytes) {
            let before = bytes[..<offset]
            let line = before.count(where: { $0 == 0x0A }) + 1
            let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let column = bytes[lineStart..<offset].count(where: { $0 & 0xC0 != 0x80 }) + 1
            throw TOMLError("the file is not valid UTF-8", at: TOMLPosition(line: line, column: column))
        }
        var parser = TOMLParser(bytes)
        return try parser.document()
    }

    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
