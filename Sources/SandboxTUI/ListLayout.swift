/// Where the list pane's lines go: two per sandbox (and one more naming its snapshots, when it
/// has any) and, when it shows engines, each engine's header above its sandboxes, with a line
/// under it when it has none or is disconnected; scrolled so that the selected sandbox shows.
/// Drawing and clicks both use it.
struct ListLayout {
    static let rowHeight = 2

    enum Line: Equatable {
        /// An engine's header, by its index in ``UIState/engines``.
        case header(Int)
        /// Why an engine shows no sandboxes, or that it is disconnected.
        case note(Int)
        /// A sandbox, by its index in ``UIState/rows``.
        case row(Int)
        /// The snapshots of the sandbox of that row.
        case snapshots(Int)

        var height: Int { if case .row = self { ListLayout.rowHeight } else { 1 } }
    }

    /// The lines that fit, each with its offset from the pane's top.
    let lines: [(line: Line, y: Int)]

    init(_ state: UIState, height: Int) {
        var all: [Line] = []
        var row = 0
        for (index, group) in state.groups.enumerated() {
            if state.showsEngines {
                all.append(.header(index))
                let down = if case .down = group.engine.connection { true } else { false }
                if down || group.rows.isEmpty { all.append(.note(index)) }
            }
            for info in group.rows {
                all.append(.row(row))
                if index == 0, state.snapshots[info.name]?.isEmpty == false { all.append(.snapshots(row)) }
                row += 1
            }
        }
        var offsets: [Int] = []
        var offset = 0
        for line in all {
            offsets.append(offset)
            offset += line.height
        }
        let selectedEnd = all.firstIndex(of: .row(state.selected)).map {
            offsets[$0] + ListLayout.rowHeight + (all.contains(.snapshots(state.selected)) ? 1 : 0)
        } ?? 0
        // With the last sandbox selected, what follows it (an empty engine's header) shows too.
        let top = max(0, (state.selected >= row - 1 ? offset : selectedEnd) - height)
        lines = zip(all, offsets).filter { $1 >= top && $1 + $0.height <= top + height }.map { ($0, $1 - top) }
    }

    /// The sandbox drawn at offset `y` from the pane's top, if any.
    func row(at y: Int) -> Int? {
        for (line, top) in lines {
            switch line {
            case .row(let index) where y >= top && y < top + ListLayout.rowHeight: return index
            case .snapshots(let index) where y == top: return index
            default: continue
            }
        }
        return nil
    }
}
