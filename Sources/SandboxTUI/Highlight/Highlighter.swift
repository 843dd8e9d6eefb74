/// Colours one line at a time: given the state the line above left open, the line's tokens and
/// the state it leaves for the next. Line-oriented on purpose: ``HighlightCache`` keeps each
/// line's result, so a keystroke re-scans the lines it changed, not the file.
public enum Highlighter {
    public static func line(_ chars: [Character], _ language: Language, from state: LineState) -> (tokens: [Token], state: LineState) {
        var scanner = LineScanner(chars: chars, syntax: Syntax.of(language))
        let end = scanner.scan(from: state)
        return (scanner.tokens, end)
    }
}

private struct LineScanner {
    let chars: [Character]
    let syntax: Syntax
    var tokens: [Token] = []
    var i = 0
    /// TOML: a word here is a key (at the line's start, after `{` or `,` in an inline table).
    var expectKey: Bool
    /// TOML: the brackets open on this line, to tell an inline table's `,` from an array's.
    var open: [Character] = []

    init(chars: [Character], syntax: Syntax) {
        (self.chars, self.syntax) = (chars, syntax)
        expectKey = syntax.tomlKeys
    }

    var n: Int { chars.count }

    func at(_ index: Int) -> Character? { index < n ? chars[index] : nil }

    func matches(_ pattern: [Character], at index: Int) -> Bool {
        index + pattern.count <= n && chars[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    mutating func add(_ start: Int, _ end: Int, _ kind: TokenKind) {
        if end > start { tokens.append(Token(start: start, end: end, kind: kind)) }
    }

    mutating func scan(from state: LineState) -> LineState {
        switch state {
        case .normal: break
        case .string(let close, let escapes):
            let (end, closed) = stringEnd(from: 0, close: close, escapes: escapes)
            add(0, end, .string)
            guard closed else { return state }
            i = end
            expectKey = false
        case .blockComment:
            guard let close = syntax.blockComment?.close, let end = find(close, from: 0) else {
                add(0, n, .comment)
                return state
            }
            add(0, end, .comment)
            i = end
        }
        while i < n {
            let c = chars[i]
            if let comment = syntax.lineComment, matches(comment, at: i), !syntax.commentAtWordStart || atWordStart {
                add(i, n, .comment)
                return .normal
            }
            if let block = syntax.blockComment, matches(block.open, at: i) {
                guard let end = find(block.close, from: i + block.open.count) else {
                    add(i, n, .comment)
                    return .blockComment
                }
                add(i, end, .comment)
                i = end
                continue
            }
            if isQuote(c) {
                if let open = string() { return open }
                continue
            }
            if syntax.tomlKeys, c == "[", chars[..<i].allSatisfy(\.isWhitespace) {
                let end = (chars[i...].lastIndex(of: "]") ?? n - 1) + 1
                add(i, end, .keyword)
                i = end
                expectKey = false
                continue
            }
            if syntax.variables, c == "$", let end = variableEnd(from: i + 1) {
                add(i, end, .constant)
                i = end
                continue
            }
            if c.isASCII, c.isNumber || (c == "." && at(i + 1)?.isASCII == true && at(i + 1)?.isNumber == true) {
                var end = i + 1
                while let d = at(end), d.isLetter || d.isNumber || d == "." || d == "_" { end += 1 }
                add(i, end, .number)
                i = end
                continue
            }
            if c.isLetter || c == "_" || (syntax.identifierExtras.contains(c) && c != "-") {
                var end = i + 1
                while let d = at(end), isIdentifier(d) { end += 1 }
                let word = String(chars[i..<end])
                if expectKey && followedBy(["=", "."], from: end) { add(i, end, .key) }
                else if syntax.keywords.contains(word) { add(i, end, .keyword) }
                else if syntax.constants.contains(word) { add(i, end, .constant) }
                i = end
                continue
            }
            punctuation(c)
            i += 1
        }
        return .normal
    }

    /// A string from `i`: its token, and the state when it runs on past the line.
    mutating func string() -> LineState? {
        let c = chars[i]
        let escapes = !syntax.rawQuotes.contains(c)
        if syntax.tripleQuotes, at(i + 1) == c, at(i + 2) == c {
            let close = [c, c, c]
            let (end, closed) = stringEnd(from: i + 3, close: close, escapes: escapes)
            add(i, end, .string)
            i = end
            return closed ? nil : .string(close: close, escapes: escapes)
        }
        let (end, closed) = stringEnd(from: i + 1, close: [c], escapes: escapes)
        let isKey = closed && ((syntax.keysBeforeColon && followedBy([":"], from: end)) || (expectKey && followedBy(["=", "."], from: end)))
        add(i, end, isKey ? .key : .string)
        i = end
        if !closed, syntax.multilineQuotes.contains(c) { return .string(close: [c], escapes: escapes) }
        return nil
    }

    func stringEnd(from start: Int, close: [Character], escapes: Bool) -> (end: Int, closed: Bool) {
        var j = start
        while j < n {
            if escapes && chars[j] == "\\" { j += 2; continue }
            if matches(close, at: j) { return (j + close.count, true) }
            j += 1
        }
        return (n, false)
    }

    func find(_ pattern: [Character], from start: Int) -> Int? {
        var j = start
        while j < n {
            if matches(pattern, at: j) { return j + pattern.count }
            j += 1
        }
        return nil
    }

    func isQuote(_ c: Character) -> Bool {
        syntax.quotes.contains(c) || syntax.rawQuotes.contains(c) || syntax.multilineQuotes.contains(c)
    }

    func isIdentifier(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || syntax.identifierExtras.contains(c) }

    var atWordStart: Bool { i == 0 || chars[i - 1].isWhitespace || chars[i - 1] == ";" }

    /// Whether the next character that is not a space is one of `marks`.
    func followedBy(_ marks: Set<Character>, from start: Int) -> Bool {
        var j = start
        while let c = at(j), c == " " || c == "\t" { j += 1 }
        return at(j).map(marks.contains) ?? false
    }

    /// `$NAME`, `${...}`, `$1`, `$?`: where the variable ends, or nil for a lone `$`.
    func variableEnd(from start: Int) -> Int? {
        guard let c = at(start) else { return nil }
        if c == "{" { return (chars[start...].firstIndex(of: "}") ?? n - 1) + 1 }
        if c.isLetter || c == "_" {
            var end = start + 1
            while let d = at(end), d.isLetter || d.isNumber || d == "_" { end += 1 }
            return end
        }
        return c.isNumber || "@#?$!*-".contains(c) ? start + 1 : nil
    }

    /// TOML: after `=` a value follows; inside an inline table, `{` and `,` start a key again.
    mutating func punctuation(_ c: Character) {
        guard syntax.tomlKeys else { return }
        switch c {
        case "=": expectKey = false
        case "{", "[":
            open.append(c)
            expectKey = c == "{"
        case "}", "]": _ = open.popLast()
        case ",": expectKey = open.last == "{"
        default: break
        }
    }
}
