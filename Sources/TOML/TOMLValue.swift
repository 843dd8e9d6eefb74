/// Where a key, a table header or a parse error is in the document: 1-based line and column
/// (the column counts characters, not bytes).
public struct TOMLPosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "line \(line), column \(column)" }
}

/// A value with the position of the key (or header) that defined it, so a reader of the document
/// can say "line 12: packages must be an array of strings".
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    public var position: TOMLPosition
    public init(_ value: TOMLValue, at position: TOMLPosition) { self.value = value; self.position = position }
}

public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The TOML type's name, for messages ("must be a string, not an integer").
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime: "a date-time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A table's keys in the order the document defined them.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var nodes: [String: TOMLNode] = [:]

    public init() {}

    public subscript(key: String) -> TOMLNode? { nodes[key] }

    public var entries: [(key: String, node: TOMLNode)] { keys.map { ($0, nodes[$0]!) } }

    mutating func append(_ key: String, _ node: TOMLNode) {
        if nodes.updateValue(node, forKey: key) == nil { keys.append(key) }
    }
}

/// The four date and time types of TOML 1.0; the fields a kind lacks are zero.
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case offsetDateTime, localDateTime, localDate, localTime }
    public var kind: Kind
    public var year = 0, month = 0, day = 0
    public var hour = 0, minute = 0, second = 0
    /// The fraction of a second as written, up to nine digits ("" when none was written).
    public var fraction = ""
    /// Minutes east of UTC; nil unless `kind` is `.offsetDateTime`.
    public var offsetMinutes: Int?

    public init(kind: Kind, year: Int = 0, month: Int = 0, day: Int = 0, hour: Int = 0, minute: Int = 0, second: Int = 0,
                fraction: String = "", offsetMinutes: Int? = nil) {
        self.kind = kind
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        self.fraction = fraction
        self.offsetMinutes = offsetMinutes
    }

    /// RFC 3339: `1979-05-27T07:32:00.5-07:00`, `1979-05-27`, `07:32:00`.
    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let date = "\(String(repeating: "0", count: max(0, 4 - String(year).count)))\(year)-\(two(month))-\(two(day))"
        let time = "\(two(hour)):\(two(minute)):\(two(second))" + (fraction.isEmpty ? "" : ".\(fraction)")
        switch kind {
        case .localDate: return date
        case .localTime: return time
        case .localDateTime: return "\(date)T\(time)"
        case .offsetDateTime:
            let offset = offsetMinutes ?? 0
            let zone = offset == 0 ? "Z" : "\(offset < 0 ? "-" : "+")\(two(abs(offset) / 60)):\(two(abs(offset) % 60))"
            return "\(date)T\(time)\(zone)"
        }
    }
}

public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: TOMLPosition
    public var message: String
    public init(_ message: String, at position: TOMLPosition) { self.message = message; self.position = position }
    public var description: String { "\(position): \(message)" }
}
