/// A language's lexical rules, as far as colouring needs them: one table per language, read by
/// the one scanner in ``Highlighter``.
struct Syntax: Sendable {
    var lineComment: [Character]?
    /// A line comment starts only at a word's start (shell: `$#` and `a#b` are not comments).
    var commentAtWordStart = false
    var blockComment: (open: [Character], close: [Character])?
    /// Quotes whose strings end at the line's end (a backslash escapes, except in `rawQuotes`).
    var quotes: Set<Character> = ["\"", "'"]
    var rawQuotes: Set<Character> = []
    /// Quotes whose strings run across lines (JavaScript's template literals, shell strings).
    var multilineQuotes: Set<Character> = []
    /// `"""` and `'''` strings (Python, TOML).
    var tripleQuotes = false
    var keywords: Set<String> = []
    var constants: Set<String> = []
    /// A string followed by `:` is a key (JSON).
    var keysBeforeColon = false
    /// A bare or quoted word before `=` is a key, and `[table]` lines are headers (TOML).
    var tomlKeys = false
    /// `$NAME`, `${...}` and `$1` are variables (shell).
    var variables = false
    /// Characters that continue an identifier besides letters, digits and `_`.
    var identifierExtras: Set<Character> = []

    static func of(_ language: Language) -> Syntax {
        switch language {
        case .python: python
        case .javascript: javascript
        case .shell: shell
        case .json: json
        case .toml: toml
        }
    }

    static let python = Syntax(
        lineComment: ["#"], tripleQuotes: true,
        keywords: ["and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
                   "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
                   "raise", "return", "try", "while", "with", "yield", "match", "case"],
        constants: ["True", "False", "None", "self"])

    static let javascript = Syntax(
        lineComment: ["/", "/"], blockComment: (["/", "*"], ["*", "/"]), multilineQuotes: ["`"],
        keywords: ["async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
                   "do", "else", "export", "extends", "finally", "for", "from", "function", "get", "if", "import", "in",
                   "instanceof", "let", "new", "of", "return", "set", "static", "super", "switch", "this", "throw", "try",
                   "typeof", "var", "void", "while", "with", "yield",
                   // TypeScript
                   "abstract", "as", "declare", "enum", "implements", "interface", "keyof", "namespace", "private",
                   "protected", "public", "readonly", "type"],
        constants: ["true", "false", "null", "undefined", "NaN", "Infinity"],
        identifierExtras: ["$"])

    static let shell = Syntax(
        lineComment: ["#"], commentAtWordStart: true, quotes: [], rawQuotes: ["'"], multilineQuotes: ["\"", "'"],
        keywords: ["if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in", "function",
                   "return", "local", "export", "readonly", "set", "unset", "shift", "exit", "break", "continue", "echo",
                   "printf", "cd", "source", "trap", "eval", "exec"],
        constants: ["true", "false"], variables: true)

    static let json = Syntax(quotes: ["\""], constants: ["true", "false", "null"], keysBeforeColon: true)

    static let toml = Syntax(
        lineComment: ["#"], quotes: ["\""], rawQuotes: ["'"], tripleQuotes: true,
        constants: ["true", "false", "inf", "nan"], tomlKeys: true, identifierExtras: ["-"])
}
