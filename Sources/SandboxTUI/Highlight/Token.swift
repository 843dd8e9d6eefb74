/// What a run of characters is, for its colour.
public enum TokenKind: Sendable, Equatable {
    case keyword, string, comment, number, constant, key

    /// The theme role that colours it.
    var role: Role {
        switch self {
        case .keyword: .keyword
        case .string: .string
        case .comment: .comment
        case .number: .number
        case .constant: .constant
        case .key: .key
        }
    }
}

/// Characters `start..<end` of a line are of `kind`; the rest of the line is plain text.
public struct Token: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var kind: TokenKind
}

/// What a line leaves open for the next one (a triple-quoted string, a block comment, a
/// template literal); `.normal` when nothing is.
public enum LineState: Sendable, Hashable {
    case normal
    /// Inside a string that ends at `close`; `escapes` when a backslash escapes the next character.
    case string(close: [Character], escapes: Bool)
    case blockComment
}
