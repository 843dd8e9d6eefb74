import Foundation
import SandboxCommands
import SandboxKit

/// CPU and memory in the list: columns on a running sandbox's second line, and the selected
/// sandbox's recent figures as sparklines in the list's bottom border.
extension Screen {
    /// A running sandbox's figures, as many as fit in `room` cells with the line's text before
    /// them: "3.1% 12M/23G", then without the limit, then CPU alone, then nothing.
    static func statsColumns(_ stats: SandboxStats?, room: Int) -> String {
        guard let stats else { return "" }
        let cpu = stats.cpuPercent.map { String(format: $0 < 10 ? "%.1f%%" : "%.0f%%", $0) } ?? "-"
        let used = stats.memoryUsed.map(size) ?? "-"
        let candidates = [stats.memoryLimit.map { "\(cpu) \(used)/\(size($0))" }, "\(cpu) \(used)", cpu].compactMap { $0 }
        // The line's own text keeps a few cells and a gap.
        return candidates.first { $0.count <= room - 8 } ?? ""
    }

    /// "cpu▁▂▅ mem▃▃▄" over the bottom border, for the selected sandbox while it has samples.
    static func drawSparklines(_ canvas: inout Canvas, _ state: UIState, _ rect: Rect) {
        guard let info = state.selectedSandbox, info.isRunning, let stats = state.stats[info.containerID] else { return }
        let bars = Array(state.ascii ? "_.-~=+*#" : "▁▂▃▄▅▆▇█")
        let per = (rect.width - 4 - "cpu mem ".count - 2) / 2
        guard per >= 2 else { return }
        let cpu = spark(stats.cpuHistory.suffix(per), scale: max(100, stats.cpuHistory.max() ?? 0), bars)
        let memory = spark(stats.memoryHistory.suffix(per).map { Double($0) }, scale: Double(stats.memoryHistory.max() ?? 0), bars)
        var x = rect.x + 2
        let y = rect.y + rect.height - 1
        for (label, line) in [(" cpu", cpu), (" mem", memory)] where !line.isEmpty {
            x += canvas.put(label, x: x, y: y, role: .title)
            x += canvas.put(line, x: x, y: y, role: .running)
        }
        if x > rect.x + 2 { canvas.put(" ", x: x, y: y, role: .title) }
    }

    /// One bar per value, its height the value's share of `scale`.
    private static func spark(_ values: some Collection<Double>, scale: Double, _ bars: [Character]) -> String {
        guard values.count >= 2 else { return "" }
        return String(values.map { value in
            let level = scale > 0 && value.isFinite ? Int((value / scale * Double(bars.count - 1)).rounded()) : 0
            return bars[min(bars.count - 1, max(0, level))]
        })
    }

    private static func size(_ bytes: UInt64) -> String { Format.size(Int64(exactly: bytes) ?? .max) }
}
