/// A unified diff of two texts by lines (Myers' O(ND) shortest edit script), with `context`
/// lines around each change. Inputs past ``maxLines`` lines are not compared (the caller says so).
public enum LineDiff {
    public static let maxLines = 20_000

    public static func unified(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        if a.count + b.count > maxLines {
            return "--- \(oldName)\n+++ \(newName)\n(not compared: \(a.count) and \(b.count) lines, past \(maxLines) together)\n"
        }
        let script = edits(a, b)
        guard script.contains(where: { $0.kind != .same }) else { return "" }
        var out = ["--- \(oldName)", "+++ \(newName)"]
        // Hunks: runs of changes with their context, merged when their contexts touch.
        var index = 0
        while index < script.count {
            guard let first = script[index...].firstIndex(where: { $0.kind != .same }) else { break }
            var last = first
            var scan = first
            while scan < script.count {
                if script[scan].kind != .same { last = scan; scan += 1; continue }
                let nextChange = script[scan...].firstIndex { $0.kind != .same }
                guard let nextChange, nextChange - last <= 2 * context else { break }
                scan = nextChange
            }
            let start = max(first - context, index), end = min(last + context, script.count - 1)
            let hunk = script[start...end]
            let oldStart = hunk.first.map { $0.oldLine } ?? 0, newStart = hunk.first.map { $0.newLine } ?? 0
            let oldCount = hunk.count { $0.kind != .insert }, newCount = hunk.count { $0.kind != .delete }
            out.append("@@ -\(oldStart + (oldCount > 0 ? 1 : 0)),\(oldCount) +\(newStart + (newCount > 0 ? 1 : 0)),\(newCount) @@")
            for edit in hunk {
                switch edit.kind {
                case .same: out.append(" " + a[edit.oldLine])
                case .delete: out.append("-" + a[edit.oldLine])
                case .insert: out.append("+" + b[edit.newLine])
                }
            }
            index = end + 1
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    struct Edit: Equatable {
        enum Kind { case same, delete, insert }
        var kind: Kind
        /// Where it stands in each text (for an insert, the old line it comes before; for a delete, the new one).
        var oldLine: Int
        var newLine: Int
    }

    /// Past this many differing lines the texts are shown as replaced whole: the search's memory
    /// grows with its square.
    static let maxDistance = 2_000

    /// The shortest edit script from `a` to `b` (or, past ``maxDistance``, all of `a` deleted and
    /// all of `b` inserted).
    static func edits(_ a: [String], _ b: [String]) -> [Edit] {
        let n = a.count, m = b.count, steps = min(n + m, maxDistance), offset = steps + 1
        var v = [Int](repeating: 0, count: 2 * offset + 1)  // k from -(steps + 1) to steps + 1
        var trace: [[Int]] = []  // the frontier before each step d, k from -d to d
        var found = false
        search: for d in 0...steps {
            trace.append(Array(v[(offset - d)...(offset + d)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { found = true; break search }
            }
        }
        guard found else {
            return a.indices.map { Edit(kind: .delete, oldLine: $0, newLine: 0) } + b.indices.map { Edit(kind: .insert, oldLine: n, newLine: $0) }
        }
        // Walk back through the saved frontiers.
        var script: [Edit] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let frontier = trace[d], k = x - y
            func at(_ k: Int) -> Int { frontier[k + d] }
            let down = k == -d || (k != d && at(k - 1) < at(k + 1))
            let previousK = down ? k + 1 : k - 1
            let previousX = d == 0 ? 0 : at(previousK), previousY = previousX - previousK
            while x > previousX && y > previousY { x -= 1; y -= 1; script.append(Edit(kind: .same, oldLine: x, newLine: y)) }
            if d > 0 {
                if down { y -= 1; script.append(Edit(kind: .insert, oldLine: x, newLine: y)) } else { x -= 1; script.append(Edit(kind: .delete, oldLine: x, newLine: y)) }
            }
        }
        return script.reversed()
    }
}
