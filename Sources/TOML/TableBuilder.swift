/// A table while the document is read: how it came to exist decides what may still add to it.
/// TOML 1.0: a table is defined once, by a `[header]` or by dotted keys, never both; inline tables
/// and arrays written as values are closed (they are `.value`s here, so nothing can reach inside).
final class TableBuilder {
    enum Kind {
        /// Made only as a step of a longer header (`a` of `[a.b]`): a header of its own may still define it.
        case implicit
        /// Defined by its `[header]` (or an element of `[[header]]`, or the root).
        case header
        /// Defined by dotted keys (`a.b = 1` defines `a`).
        case dotted
    }

    enum Item {
        case value(TOMLNode)
        case table(TableBuilder)
        /// `[[name]]`: an array of tables, which further `[[name]]` headers extend.
        case tables([TableBuilder], TOMLPosition)
    }

    var kind: Kind
    var position: TOMLPosition
    private(set) var keys: [String] = []
    private(set) var items: [String: Item] = [:]

    init(_ kind: Kind, at position: TOMLPosition) { self.kind = kind; self.position = position }

    subscript(key: String) -> Item? {
        get { items[key] }
        set {
            if items[key] == nil { keys.append(key) }
            items[key] = newValue
        }
    }

    func build() -> TOMLTable {
        var table = TOMLTable()
        for key in keys {
            switch items[key]! {
            case .value(let node): table.append(key, node)
            case .table(let child): table.append(key, TOMLNode(.table(child.build()), at: child.position))
            case .tables(let children, let position):
                table.append(key, TOMLNode(.array(children.map { TOMLNode(.table($0.build()), at: $0.position) }), at: position))
            }
        }
        return table
    }
}
