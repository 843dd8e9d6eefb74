import Foundation
import SandboxKit

/// Plain-text tables shared by the REPL, the one-shot commands and the TUI's output pane.
public enum Format {
    /// Columns two spaces apart. Given a `width` (a terminal's), cells that would overflow it are
    /// cut with `…`, except in the `whole` columns (names to type into another command); nil
    /// shows every cell whole.
    public static func table(_ header: [String], _ rows: [[String]], width: Int? = nil, whole: Set<Int> = []) -> String {
        let natural = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let widths = fitted(natural, header: header, whole: whole, into: width)
        return ([header] + rows).map { row in
            row.enumerated().map { index, cell in
                let shown = cell.count > widths[index] ? String(cell.prefix(max(widths[index] - 1, 0))) + "…" : cell
                return index == row.count - 1 ? shown : shown.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// Column widths whose sum fits `width`: the widest column gives up a character at a time,
    /// none below its header (or 3). Narrower than that, lines run over rather than losing columns.
    static func fitted(_ natural: [Int], header: [String], whole: Set<Int>, into width: Int?) -> [Int] {
        guard let width else { return natural }
        let minimums = natural.indices.map { whole.contains($0) ? natural[$0] : min(natural[$0], max(header[$0].count, 3)) }
        var widths = natural
        let gaps = 2 * max(widths.count - 1, 0)
        while widths.reduce(0, +) + gaps > width,
              let widest = widths.indices.filter({ widths[$0] > minimums[$0] }).max(by: { widths[$0] < widths[$1] }) {
            widths[widest] -= 1
        }
        return widths
    }

    public static func listing(_ listing: DirectoryListing) -> String {
        if listing.entries.isEmpty && listing.total == 0 { return "(empty)\n" }
        let rows = listing.entries.map { entry -> [String] in
            let suffix = switch entry.kind { case .directory: "/"; case .symlink: "@"; default: "" }
            return [entry.kind == .directory ? "-" : size(entry.size), date(entry.modified), entry.name + suffix]
        }
        let width = rows.map { $0[0].count }.max() ?? 0
        return rows.map { String(repeating: " ", count: width - $0[0].count) + $0[0] + "  " + $0[1] + "  " + $0[2] + "\n" }
            .joined() + (listing.truncated ? "… and \(listing.total - listing.entries.count) more (\(listing.total) entries)\n" : "")
    }

    /// One path a line, and a last line saying when the list was cut (no final newline).
    public static func paths(_ result: GlobResult) -> String {
        if result.paths.isEmpty && !result.truncated { return "No files match." }
        return (result.paths + truncation(result.truncated, result.paths.count)).joined(separator: "\n")
    }

    /// `path:line: text` a line, and a last line saying when the list was cut (no final newline).
    public static func matches(_ result: GrepResult) -> String {
        if result.matches.isEmpty && !result.truncated { return "No matches." }
        return (result.matches.map { "\($0.path):\($0.line): \($0.text)" } + truncation(result.truncated, result.matches.count))
            .joined(separator: "\n")
    }

    private static func truncation(_ truncated: Bool, _ shown: Int) -> [String] {
        truncated ? ["[truncated: showing the first \(shown); narrow the path or pattern]"] : []
    }

    public static func sandboxes(_ list: [SandboxInfo], current: String?, width: Int? = nil) -> String {
        if list.isEmpty { return "no sandboxes (create one with new)\n" }
        return table(["", "NAME", "RUNTIME/IMAGE", "STATE", "NET", "STATUS", "BY"], list.map {
            [$0.name == current ? "*" : "", $0.name, $0.kind, $0.state.rawValue, network($0.isolation), $0.status, creator($0)]
        }, width: width, whole: [1, 4])
    }

    /// The NET column: how its network is kept in, `OPEN` where nothing keeps it in, `-` unknown
    /// (made before isolation, or not ours).
    public static func network(_ isolation: Isolation?) -> String {
        guard let isolation else { return "-" }
        return isolation == .open ? "OPEN" : isolation.rawValue
    }

    public static func creator(_ info: SandboxInfo) -> String {
        guard let by = info.createdBy?.rawValue else { return "-" }
        return info.client.map { "\(by) (\($0))" } ?? by
    }

    public static func runtimes(_ entries: [RuntimeEntry], width: Int? = nil) -> String {
        table(["NAME", "IMAGE", "BUILT", "PACKAGES", "DESCRIPTION"], entries.map { entry in
            let source = entry.config.image ?? "\(entry.config.baseImage ?? "?") → \(entry.image)"
            return [entry.config.name, source, entry.available ? "yes" : "no",
                    entry.config.packages.isEmpty ? "-" : entry.config.packages.joined(separator: ","), entry.config.description]
        }, width: width, whole: [0])
    }

    public static func size(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes)" }
        let units = ["K", "M", "G", "T"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: value < 10 ? "%.1f%@" : "%.0f%@", value, units[unit])
    }

    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    public enum DurationStyle: Sendable { case elapsed, age }

    /// Durations for people, in one place: `.elapsed` for how long something took ("81 ms",
    /// "1.23 s", "3m04s"), `.age` for how long something has been up ("45s", "3m", "2h05m"): past
    /// its first minute to the minute, as `docker ps` says it, so a list of ages changes once a
    /// minute, not every second.
    public static func duration(_ seconds: Double, style: DurationStyle = .elapsed) -> String {
        let seconds = seconds.isFinite ? min(max(0, seconds), 1e12) : 0
        let whole = Int(seconds)
        switch style {
        case .elapsed where seconds < 1: return "\(Int(seconds * 1000)) ms"
        case .elapsed where seconds < 60: return String(format: "%.2f s", seconds)
        case .age where whole < 60: return "\(whole)s"
        case .age where whole < 3600: return "\(whole / 60)m"
        default:
            if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
            return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
        }
    }

    /// How long since `date`, as `.age`.
    public static func age(since date: Date, now: Date) -> String {
        duration(now.timeIntervalSince(date), style: .age)
    }
}
