import DockerEngine
import Foundation

/// An entry of ``DockerSandbox/ls(_:)``.
public struct FileInfo: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case file, directory, symlink, other }
    public var name: String
    public var path: String
    public var kind: Kind
    public var size: Int64
    public var modified: Date
}

/// A line found by ``DockerSandbox/grep(_:path:glob:)``.
public struct GrepMatch: Sendable, Equatable, Codable {
    public var path: String
    public var line: Int
    public var text: String

    public init(path: String, line: Int, text: String) { (self.path, self.line, self.text) = (path, line, text) }
}

extension DockerSandbox {
    /// Most results any listing returns; beyond it the listing is cut (agents flood otherwise).
    public static let listingLimit = 1000

    /// Lists a directory: name, kind, size and modification time, directories first.
    /// Uses `stat` through `sh`, which both BusyBox and Debian images have; arguments are passed
    /// as positional parameters, never pasted into the script.
    public func ls(_ path: String = ".") async throws -> [FileInfo] {
        let directory = try resolve(path)
        let script = #"""
        [ -e "$1" ] || { echo "missing" >&2; exit 3; }
        [ -d "$1" ] || { echo "notdir" >&2; exit 4; }
        cd "$1" || exit 5
        stat -c '%f/%s/%Y/%n' -- * .[!.]* ..?* 2>/dev/null | head -n "$2"
        exit 0
        """#
        let lines = try await helper(script, [directory, String(Self.listingLimit)], path: directory)
        return lines.compactMap { line -> FileInfo? in
            let fields = line.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, let mode = UInt32(fields[0], radix: 16), let size = Int64(fields[1]),
                  let mtime = TimeInterval(fields[2]) else { return nil }
            let name = String(fields[3])
            let kind: FileInfo.Kind = switch mode & 0o170000 {
            case 0o040000: .directory
            case 0o100000: .file
            case 0o120000: .symlink
            default: .other
            }
            return FileInfo(name: name, path: directory == "/" ? "/" + name : directory + "/" + name, kind: kind,
                            size: size, modified: Date(timeIntervalSince1970: mtime))
        }.sorted { a, b in
            a.kind == .directory && b.kind != .directory || (a.kind == .directory) == (b.kind == .directory) && a.name < b.name
        }
    }

    /// Paths under `path` matching `pattern`. A pattern without `/` matches file names at any
    /// depth (`*.py`); with `/` it matches the path relative to `path`, where `**` spans
    /// directories (`src/**/*.swift`). `/proc`, `/sys` and `/dev` are skipped.
    public func glob(_ pattern: String, path: String = ".") async throws -> [String] {
        let base = try resolve(path)
        let matcher = try GlobPattern(pattern)
        let script = #"""
        [ -e "$1" ] || { echo "missing" >&2; exit 3; }
        [ -d "$1" ] || { echo "notdir" >&2; exit 4; }
        find "$1" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -print 2>/dev/null | head -n 200000
        exit 0
        """#
        let lines = try await helper(script, [base], path: base)
        var matches: [String] = []
        let prefix = base == "/" ? "/" : base + "/"
        for line in lines where line.hasPrefix(prefix) {
            if matcher.matches(String(line.dropFirst(prefix.count))) {
                matches.append(line)
                if matches.count == Self.listingLimit { break }
            }
        }
        return matches.sorted()
    }

    /// Lines matching the extended regular expression `pattern` in files under `path`
    /// (optionally only files whose name matches `glob`), at most ``listingLimit``.
    public func grep(_ pattern: String, path: String = ".", glob: String? = nil) async throws -> [GrepMatch] {
        guard !pattern.isEmpty else { throw SandboxError.invalidArgument("the grep pattern is empty") }
        let base = try resolve(path)
        let script = #"""
        [ -e "$2" ] || { echo "missing" >&2; exit 3; }
        echo | grep -E -e "$1" >/dev/null 2>&1; [ $? -eq 2 ] && { echo "badpattern" >&2; exit 6; }
        if [ -n "$3" ]; then
          find "$2" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -name "$3" -exec grep -nHEs -e "$1" -- {} + 2>/dev/null | head -n "$4"
        else
          find "$2" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -exec grep -nHEs -e "$1" -- {} + 2>/dev/null | head -n "$4"
        fi
        exit 0
        """#
        let lines = try await helper(script, [pattern, base, glob ?? "", String(Self.listingLimit)], path: base, pattern: pattern)
        return lines.compactMap(Self.parseGrepLine).sorted { ($0.path, $0.line) < ($1.path, $1.line) }
    }

    /// "path:line:text", where the path itself may hold colons: the first ":digits:" ends it.
    static func parseGrepLine(_ line: String) -> GrepMatch? {
        var index = line.startIndex
        while let colon = line[index...].firstIndex(of: ":") {
            let afterColon = line.index(after: colon)
            let digits = line[afterColon...].prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, digits.endIndex < line.endIndex, line[digits.endIndex] == ":", let number = Int(digits) {
                let text = line[line.index(after: digits.endIndex)...]
                return GrepMatch(path: String(line[..<colon]), line: number, text: String(text.prefix(500)))
            }
            index = afterColon
        }
        return nil
    }

    /// Runs a helper script and returns its stdout lines, turning its exit codes into errors.
    private func helper(_ script: String, _ arguments: [String], path: String, pattern: String = "") async throws -> [String] {
        let container = try await containerID()
        let client = try docker()
        do {
            let exec = try await client.createExec(container: container, .init(cmd: ["sh", "-c", script, "sh"] + arguments, workingDir: workDir))
            var stdout = UTF8StreamDecoder()
            var text = ""
            for try await frame in try await client.startExec(exec) where frame.stream == .stdout {
                text += stdout.decode(frame.bytes)
            }
            text += stdout.flush()
            switch try await client.inspectExec(exec).exitCode ?? 0 {
            case 0: break
            case 3: throw SandboxError.fileNotFound(path)
            case 4: throw SandboxError.notDirectory(path)
            case 6: throw SandboxError.invalidArgument("invalid regular expression: \(pattern)")
            case 126, 127: throw SandboxError.commandFailed("this image has no usable sh; ls, glob and grep need one")
            case let code: throw SandboxError.commandFailed("listing \(path) failed (exit code \(code))")
            }
            return text.split(separator: "\n").map(String.init)
        } catch {
            throw await explainFailure(error, container: container)
        }
    }
}

/// Shell-style glob matching with `**` for any number of directories.
struct GlobPattern {
    let segments: [String]
    let anyDepth: Bool

    init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw SandboxError.invalidArgument("the glob pattern is empty") }
        anyDepth = !pattern.contains("/")
        segments = pattern.split(separator: "/").map(String.init)
    }

    func matches(_ relativePath: String) -> Bool {
        let parts = relativePath.split(separator: "/").map(String.init)
        if anyDepth { return parts.last.map { Self.fnmatch(segments[0], $0) } ?? false }
        return match(segments[...], parts[...])
    }

    private func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            return (0...path.count).contains { match(rest, path.dropFirst($0)) }
        }
        guard let first = path.first, Self.fnmatch(head, first) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    static func fnmatch(_ pattern: String, _ name: String) -> Bool {
        Glibc.fnmatch(pattern, name, FNM_PERIOD) == 0
    }
}
