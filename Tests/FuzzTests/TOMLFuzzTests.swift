import Testing
import TOML

/// Configuration files come from users: any text is a document or an error that says where.
@Suite struct TOMLFuzzTests {
    static let pieces = ["[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\"", "'", "\"\"\"", "'''", "\\", "\\u00", "\\U0011FFFF",
                         "\n", "\r\n", "\r", " ", "\t", "#", "a", "b", "1", "0x", "e", "_", "-", "+", ":", "T", "Z",
                         "1979-05-27", "07:32:00", ".5", "nan", "inf", "true", "\u{0}", "\u{7F}", "é", "a.b", "[a]", "[[a]]"]

    @Test func anyTextIsADocumentOrAPositionedError() {
        var fuzz = Fuzz(0x70D1)
        var documents = 0, errors = 0
        for _ in 0..<20_000 {
            let text = fuzz.text(from: Self.pieces, length: 30)
            do {
                _ = try TOML.parse(text)
                documents += 1
            } catch {
                let lines = text.utf8.count(where: { $0 == 0x0A }) + 1
                #expect((1...lines).contains(error.position.line) && error.position.column >= 1, "\(text.debugDescription): \(error)")
                errors += 1
            }
        }
        #expect(documents > 100 && errors > 1_000, "\(documents) documents, \(errors) errors")
    }

    @Test func anyBytesAreADocumentOrAnError() {
        var fuzz = Fuzz(0x70D2)
        let bytes: [UInt8] = [0x61, 0x3D, 0x22, 0x27, 0x0A, 0x5B, 0x5D, 0x31, 0xC3, 0xA9, 0xFF, 0xE2, 0x82, 0x80, 0xF0, 0x9F]
        for _ in 0..<20_000 {
            let input = (0..<Int.random(in: 0...40, using: &fuzz)).map { _ in fuzz.pick(bytes) }
            do { _ = try TOML.parse(bytes: input) } catch {
                let lines = input.count(where: { $0 == 0x0A }) + 1
                #expect((1...lines).contains(error.position.line) && (1...input.count + 1).contains(error.position.column), "\(input): \(error)")
            }
        }
    }
}
