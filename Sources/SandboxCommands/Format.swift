import Foundation
import SandboxKit

/// Plain-text tables shared by the REPL, the one-shot commands and the TUI's output pane.
public enum Format {
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    public static func listing(_ entries: [FileInfo]) -> String {
        if entries.isEmpty { return "(empty)\n" }
        let rows = entries.map { entry -> [String] in
            let suffix = switch entry.kind { case .directory: "/"; case .symlink: "@"; default: "" }
            return [entry.kind == .directory ? "-" : size(entry.size), date(entry.modified), entry.name + suffix]
        }
        let width = rows.map { $0[0].count }.max() ?? 0
        return rows.map { String(repeating: " ", count: width - $0[0].count) + $0[0] + "  " + $0[1] + "  " + $0[2] }
            .joined(separator: "\n") + "\n"
    }

    public static func sandboxes(_ list: [SandboxInfo], current: String?) -> String {
        if list.isEmpty { return "no sandboxes (create one with new)\n" }
        return table(["", "NAME", "RUNTIME/IMAGE", "STATE", "STATUS", "BY"], list.map {
            [$0.name == current ? "*" : "", $0.name, $0.kind, $0.state, $0.status, creator($0)]
        })
    }

    public static func creator(_ info: SandboxInfo) -> String {
        guard let by = info.createdBy else { return "-" }
        return info.client.map { "\(by) (\($0))" } ?? by
    }

    public static func runtimes(_ entries: [RuntimeEntry]) -> String {
        table(["NAME", "IMAGE", "BUILT", "PACKAGES", "DESCRIPTION"], entries.map { entry in
            let source = entry.config.image ?? "\(entry.config.baseImage ?? "?") → \(entry.image)"
            return [entry.config.name, source, entry.available ? "yes" : "no",
                    entry.config.packages.isEmpty ? "-" : entry.config.packages.joined(separator: ","), entry.config.description]
        })
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

    /// "12s", "3m04s", "1h02m" — uptime and durations.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2fs", seconds) }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
    }
}
