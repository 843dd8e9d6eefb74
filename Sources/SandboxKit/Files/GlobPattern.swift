import Foundation

/// Shell-style glob matching with `**` for any number of directories.
///
/// Matching fills a table over (pattern segment, path component) pairs, each decided once, so a
/// pattern like `**/a/**/a/**/…` costs segments × components steps instead of the exponential
/// search that backtracking over every way to split the path takes.
struct GlobPattern {
    let segments: [String]
    private let compiled: [SegmentPattern]
    let anyDepth: Bool

    /// Patterns longer than this are refused: they come from agents, and the matching table grows
    /// with segments × path depth for every path searched.
    static let maximumLength = 4096, maximumSegments = 128

    init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw SandboxError.invalidArgument("the glob pattern is empty") }
        guard pattern.utf8.count <= Self.maximumLength, pattern.split(separator: "/").count <= Self.maximumSegments else {
            throw SandboxError.invalidArgument("the glob pattern is too long (at most \(Self.maximumLength) bytes in \(Self.maximumSegments) parts)")
        }
        guard !pattern.contains("\0") else { throw SandboxError.invalidArgument("the glob pattern contains a NUL byte") }
        anyDepth = !pattern.contains("/")
        var segments: [String] = []
        for segment in pattern.split(separator: "/") where !(segment == "**" && segments.last == "**") {
            segments.append(String(segment))  // `**/**` means what `**` means
        }
        self.segments = segments
        compiled = segments.map(SegmentPattern.init)
    }

    func matches(_ relativePath: String) -> Bool {
        var steps = 0
        return matches(relativePath, steps: &steps)
    }

    /// `steps` counts the table cells decided, so tests can bound the work.
    func matches(_ relativePath: String, steps: inout Int) -> Bool {
        let parts = relativePath.split(separator: "/").map(String.init)
        if anyDepth {
            steps += 1
            return parts.last.map { compiled[0].matches($0) } ?? false
        }
        // matched[cell(i, j)]: segments[i...] matches parts[j...]; filled from the end.
        let width = parts.count + 1
        func cell(_ i: Int, _ j: Int) -> Int { i * width + j }
        var matched = [Bool](repeating: false, count: (segments.count + 1) * width)
        matched[cell(segments.count, parts.count)] = true
        for i in segments.indices.reversed() {
            for j in (0...parts.count).reversed() {
                steps += 1
                matched[cell(i, j)] = segments[i] == "**"
                    ? matched[cell(i + 1, j)] || (j < parts.count && matched[cell(i, j + 1)])
                    : j < parts.count && matched[cell(i + 1, j + 1)] && compiled[i].matches(parts[j])
            }
        }
        return matched[cell(0, 0)]
    }

}

/// One path component's pattern: `*`, `?`, `[...]` (ranges, `!` or `^` to negate) and `\x`; a
/// name's leading `.` matches only a literal `.` (fnmatch's FNM_PERIOD). Matching keeps one
/// place to come back to (the last `*`), so it takes at most name × pattern steps: glibc's
/// fnmatch backtracks into every `*` and `*a*a*a…b` against a long name never ends.
struct SegmentPattern {
    enum Token: Equatable {
        case literal(Unicode.Scalar), any, star
        case set([ClosedRange<Unicode.Scalar>], negated: Bool)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let literal): literal == scalar
            case .any: true
            case .star: false
            case .set(let ranges, let negated): ranges.contains { $0.contains(scalar) } != negated
            }
        }
    }

    let tokens: [Token]

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*": if tokens.last != .star { tokens.append(.star) }
            case "?": tokens.append(.any)
            case "\\" where index < scalars.count:
                tokens.append(.literal(scalars[index]))
                index += 1
            case "[":
                if let (set, next) = Self.set(scalars, from: index) {
                    tokens.append(set)
                    index = next
                } else {
                    tokens.append(.literal("["))
                }
            default: tokens.append(.literal(scalar))
            }
        }
        self.tokens = tokens
    }

    /// A bracket expression starting after its `[`, and the index after its `]`; nil when unclosed.
    private static func set(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start
        let negated = index < scalars.count && (scalars[index] == "!" || scalars[index] == "^")
        if negated { index += 1 }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "]" && !first { return (.set(ranges, negated: negated), index + 1) }
            first = false
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]", scalar <= scalars[index + 2] {
                ranges.append(scalar...scalars[index + 2])
                index += 3
            } else {
                ranges.append(scalar...scalar)
                index += 1
            }
        }
        return nil
    }

    func matches(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        if scalars.first == ".", tokens.first != .literal(".") { return false }
        var (token, position) = (0, 0)
        var retry: (token: Int, position: Int)?  // after the last `*`: where to try again, one further
        while position < scalars.count {
            if token < tokens.count, tokens[token] == .star {
                retry = (token + 1, position)
                token += 1
            } else if token < tokens.count, tokens[token].matches(scalars[position]) {
                token += 1
                position += 1
            } else if let last = retry {
                retry = (last.token, last.position + 1)
                (token, position) = (last.token, last.position + 1)
            } else {
                return false
            }
        }
        while token < tokens.count, tokens[token] == .star { token += 1 }
        return token == tokens.count
    }
}
