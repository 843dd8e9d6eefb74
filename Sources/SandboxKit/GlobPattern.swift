import Foundation

/// Shell-style glob matching with `**` for any number of directories.
///
/// Matching fills a table over (pattern segment, path component) pairs, each decided once, so a
/// pattern like `**/a/**/a/**/…` costs segments × components steps instead of the exponential
/// search that backtracking over every way to split the path takes.
struct GlobPattern {
    let segments: [String]
    let anyDepth: Bool

    init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw SandboxError.invalidArgument("the glob pattern is empty") }
        guard !pattern.contains("\0") else { throw SandboxError.invalidArgument("the glob pattern contains a NUL byte") }
        anyDepth = !pattern.contains("/")
        var segments: [String] = []
        for segment in pattern.split(separator: "/") where !(segment == "**" && segments.last == "**") {
            segments.append(String(segment))  // `**/**` means what `**` means
        }
        self.segments = segments
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
            return parts.last.map { Self.fnmatch(segments[0], $0) } ?? false
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
                    : j < parts.count && matched[cell(i + 1, j + 1)] && Self.fnmatch(segments[i], parts[j])
            }
        }
        return matched[cell(0, 0)]
    }

    static func fnmatch(_ pattern: String, _ name: String) -> Bool {
        Glibc.fnmatch(pattern, name, FNM_PERIOD) == 0
    }
}
