import DockerEngine
import Foundation
import NIOCore
import Synchronization

extension DockerSandbox {
    /// Most results any listing returns; beyond it the listing is cut (agents flood otherwise).
    public static let listingLimit = 1000
    /// Most bytes of output `ls`, `glob` and `grep` take from the container: `head -c` cuts it
    /// there, and we drop anything past it here too.
    public static let searchOutputLimit = 8 * 1024 * 1024
    /// How long `ls`, `glob` and `grep` may run. Past it the helper is killed inside the container
    /// and the call fails saying so (a partial listing could be mistaken for a whole one).
    public static let searchTimeout: Duration = .seconds(30)

    /// Lists a directory: name, kind, size and modification time, directories first then by name
    /// (byte order), at most ``listingLimit`` entries and the count of all of them.
    ///
    /// `find`, `sort` and `stat` run through `sh` (BusyBox and Debian images both have them), with
    /// no `*` expansion (a huge directory overflowed the argument list). Names travel NUL-separated
    /// until `stat`, whose `mode/size/mtime/./name` lines can still be told apart when a name holds
    /// a newline: a name has no `/`, so a line without one continues the name before it.
    public func ls(_ path: String = ".", timeout: Duration = searchTimeout) async throws -> DirectoryListing {
        let directory = try resolve(path)
        // First line: the count (one NUL per entry). `head -n` counts entries once NUL and newline
        // have swapped places.
        let script = #"""
        [ -e "$1" ] || { echo "missing" >&2; exit 3; }
        [ -d "$1" ] || { echo "notdir" >&2; exit 4; }
        cd "$1" || exit 5
        export LC_ALL=C
        find . -mindepth 1 -maxdepth 1 -print0 2>/dev/null | tr -dc '\0' | wc -c
        { find . -mindepth 1 -maxdepth 1 -type d -print0 | sort -z
          find . -mindepth 1 -maxdepth 1 ! -type d -print0 | sort -z; } 2>/dev/null |
          tr '\0\n' '\n\0' | head -n "$2" | tr '\0\n' '\n\0' | xargs -0 -r stat -c '%f/%s/%Y/%n' -- 2>/dev/null
        exit 0
        """#
        let (output, _) = try await search("ls", script, [directory, String(Self.listingLimit)], path: directory, timeout: timeout)
        var lines = output.split(separator: Self.newline, omittingEmptySubsequences: false)
        if output.last == Self.newline { lines.removeLast() }
        guard let count = lines.first, let total = Int(String(decoding: count, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            throw SandboxError.commandFailed("ls \(directory): the listing helper printed no entry count")
        }
        var stats: [(fields: [ArraySlice<UInt8>], name: [UInt8])] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: Self.slash, maxSplits: 3, omittingEmptySubsequences: false)
            if fields.count == 4, fields[3].starts(with: "./".utf8) {
                stats.append((Array(fields[0..<3]), Array(fields[3].dropFirst(2))))
            } else if !stats.isEmpty {
                stats[stats.count - 1].name += [Self.newline] + line
            }
        }
        let entries = stats.compactMap { stat -> FileInfo? in
            let text = stat.fields.map { String(decoding: $0, as: UTF8.self) }
            guard let mode = UInt32(text[0], radix: 16), let size = Int64(text[1]), let mtime = Int64(text[2]) else { return nil }
            let name = String(decoding: stat.name, as: UTF8.self)
            let kind: FileInfo.Kind = switch mode & 0o170000 {
            case 0o040000: .directory
            case 0o100000: .file
            case 0o120000: .symlink
            default: .other
            }
            return FileInfo(name: name, path: directory == "/" ? "/" + name : directory + "/" + name, kind: kind,
                            size: size, modified: Date(timeIntervalSince1970: TimeInterval(mtime)))
        }
        return DirectoryListing(entries: entries, total: max(total, entries.count))
    }

    /// Paths under `path` matching `pattern`, sorted, at most ``listingLimit``. A pattern without
    /// `/` matches file names at any depth (`*.py`); with `/` it matches the path relative to
    /// `path`, where `**` spans directories (`src/**/*.swift`). `/proc`, `/sys` and `/dev` are skipped.
    public func glob(_ pattern: String, path: String = ".", timeout: Duration = searchTimeout) async throws -> GlobResult {
        let base = try resolve(path)
        let matcher = try GlobPattern(pattern)
        let script = #"""
        [ -e "$1" ] || { echo "missing" >&2; exit 3; }
        [ -d "$1" ] || { echo "notdir" >&2; exit 4; }
        find "$1" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -print0 2>/dev/null | head -c "$2"
        exit 0
        """#
        let (output, cut) = try await search("glob", script, [base, String(Self.searchOutputLimit + 1)], path: base, timeout: timeout)
        var records = output.split(separator: 0)
        if cut { _ = records.popLast() }  // cut inside a path
        let prefix = Array((base == "/" ? "/" : base + "/").utf8)
        let matches = records.filter { record in
            record.starts(with: prefix) && matcher.matches(String(decoding: record.dropFirst(prefix.count), as: UTF8.self))
        }.map { String(decoding: $0, as: UTF8.self) }.sorted()
        return GlobResult(paths: Array(matches.prefix(Self.listingLimit)), truncated: cut || matches.count > Self.listingLimit)
    }

    /// Lines matching the extended regular expression `pattern` in files under `path`
    /// (optionally only files whose name matches `glob`), by path and line, at most ``listingLimit``.
    public func grep(_ pattern: String, path: String = ".", glob: String? = nil, timeout: Duration = searchTimeout) async throws -> GrepResult {
        guard !pattern.isEmpty else { throw SandboxError.invalidArgument("the grep pattern is empty") }
        let base = try resolve(path)
        let script = #"""
        [ -e "$2" ] || { echo "missing" >&2; exit 3; }
        echo | grep -E -e "$1" >/dev/null 2>&1; [ $? -eq 2 ] && { echo "badpattern" >&2; exit 6; }
        if [ -n "$3" ]; then
          find "$2" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -name "$3" -exec grep -nHEs -e "$1" -- {} + 2>/dev/null | head -c "$4"
        else
          find "$2" \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -exec grep -nHEs -e "$1" -- {} + 2>/dev/null | head -c "$4"
        fi
        exit 0
        """#
        let arguments = [pattern, base, glob ?? "", String(Self.searchOutputLimit + 1)]
        let (output, cut) = try await search("grep", script, arguments, path: base, timeout: timeout, pattern: pattern)
        var lines = output.split(separator: Self.newline)
        if cut { _ = lines.popLast() }  // cut inside a line
        let matches = lines.compactMap { Self.parseGrepLine(String(decoding: $0, as: UTF8.self)) }
            .sorted { ($0.path, $0.line) < ($1.path, $1.line) }
        return GrepResult(matches: Array(matches.prefix(Self.listingLimit)), truncated: cut || matches.count > Self.listingLimit)
    }

    /// "path:line:text", where the path itself may hold colons: the first ":digits:" ends it.
    /// A CRLF line's `\r` is not part of its text.
    static func parseGrepLine(_ line: String) -> GrepMatch? {
        var index = line.startIndex
        while let colon = line[index...].firstIndex(of: ":") {
            let afterColon = line.index(after: colon)
            let digits = line[afterColon...].prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, digits.endIndex < line.endIndex, line[digits.endIndex] == ":", let number = Int(digits) {
                var text = line[line.index(after: digits.endIndex)...]
                if text.last == "\r" { text = text.dropLast() }
                return GrepMatch(path: String(line[..<colon]), line: number, text: String(text.prefix(500)))
            }
            index = afterColon
        }
        return nil
    }

    private static let newline = UInt8(ascii: "\n")
    private static let slash = UInt8(ascii: "/")

    /// Runs a helper script through ``run(_:timeout:onFrame:)``, so a timeout kills it inside the
    /// container, with `arguments` as its positional parameters. Returns its stdout (at most
    /// ``searchOutputLimit`` bytes) and whether more came; its exit codes become errors.
    private func search(_ what: String, _ script: String, _ arguments: [String], path: String, timeout: Duration,
                        pattern: String = "") async throws -> (output: [UInt8], truncated: Bool) {
        guard !arguments.contains(where: { $0.contains("\0") }) else {
            throw SandboxError.invalidArgument("\(what): an argument contains a NUL byte")
        }
        let output = CappedBytes(limit: Self.searchOutputLimit)
        let exit = try await run(["sh", "-c", script, "sh"] + arguments, timeout: timeout) { frame in
            if frame.stream == .stdout { output.append(frame.bytes) }
        }
        if exit.timedOut {
            throw SandboxError.commandFailed("\(what) \(path) did not finish within \(timeout) and was stopped; try a smaller directory or a narrower pattern")
        }
        switch exit.exitCode {
        case 0: return output.result()
        case 3: throw SandboxError.fileNotFound(path)
        case 4: throw SandboxError.notDirectory(path)
        case 6: throw SandboxError.invalidArgument("invalid regular expression: \(pattern)")
        case 126, 127: throw SandboxError.commandFailed("this image has no usable sh; ls, glob and grep need one")
        case let code: throw SandboxError.commandFailed("\(what) \(path) failed (exit code \(code))")
        }
    }
}

/// The first `limit` bytes of a stream, and whether more came.
final class CappedBytes: Sendable {
    private let state = Mutex((bytes: [UInt8](), truncated: false))
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ buffer: ByteBuffer) {
        state.withLock { state in
            let room = limit - state.bytes.count
            if buffer.readableBytes > room { state.truncated = true }
            state.bytes += buffer.readableBytesView.prefix(max(0, room))
        }
    }

    func result() -> (output: [UInt8], truncated: Bool) { state.withLock { ($0.bytes, $0.truncated) } }
}
