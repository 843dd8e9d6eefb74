/// A value kept as its text (its description) in labels, state files and JSON, and read back by
/// the same parser that reads it from a person: what is written is what a user could have typed.
protocol TextCodable: Codable, CustomStringConvertible {
    static func parse(_ text: String) throws(TextCodingError) -> Self
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Self.parse(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a text is not the value it should be.
struct TextCodingError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
