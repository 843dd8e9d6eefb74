import MCP
import SandboxKit

/// A tool call's arguments, checked: every value an agent sends is the type and range the tool
/// needs, or the call is an error result a model can act on. Nothing here traps on any JSON.
struct Arguments {
    let values: [String: Value]
    init(_ values: [String: Value]) { self.values = values }

    /// Longer paths are not paths (Linux's PATH_MAX).
    static let pathLimit = 4096

    func string(_ key: String) throws -> String? {
        guard let value = values[key], value != .null else { return nil }
        guard let string = value.stringValue else { throw SandboxError.invalidArgument("argument '\(key)' must be a string") }
        return string
    }

    func required(_ key: String) throws -> String {
        guard let value = try string(key) else { throw SandboxError.invalidArgument("missing argument '\(key)'") }
        return value
    }

    /// A path: no NUL byte (nothing on Linux can name it) and at most `pathLimit` bytes.
    func path(_ key: String) throws -> String? {
        guard let path = try string(key) else { return nil }
        if path.utf8.contains(0) { throw SandboxError.invalidArgument("argument '\(key)' contains a NUL byte, which no path can hold") }
        if path.utf8.count > Self.pathLimit {
            throw SandboxError.invalidArgument("argument '\(key)' is \(path.utf8.count) bytes long; paths are at most \(Self.pathLimit)")
        }
        return path
    }

    func requiredPath(_ key: String) throws -> String {
        guard let value = try path(key) else { throw SandboxError.invalidArgument("missing argument '\(key)'") }
        return value
    }

    /// An integer in `range`; a JSON number such as `5.0` counts, `5.5`, `1e300` or `"5"` do not.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = values[key], value != .null else { return nil }
        let int = value.intValue ?? value.doubleValue.flatMap { Int(exactly: $0) }
        guard let int, range.contains(int) else {
            let bounds = range.upperBound == Int.max ? "from \(range.lowerBound) up" : "from \(range.lowerBound) to \(range.upperBound)"
            throw SandboxError.invalidArgument("argument '\(key)' must be an integer \(bounds), got \(Self.brief(value))")
        }
        return int
    }

    /// Any JSON number; its range is the caller's to check (`Timeout` for seconds).
    func number(_ key: String) throws -> Double? {
        guard let value = values[key], value != .null else { return nil }
        guard let number = value.doubleValue ?? value.intValue.map(Double.init) else {
            throw SandboxError.invalidArgument("argument '\(key)' must be a number, got \(Self.brief(value))")
        }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = values[key], value != .null else { return nil }
        guard let bool = value.boolValue else { throw SandboxError.invalidArgument("argument '\(key)' must be true or false") }
        return bool
    }

    /// A value as an error message names it: numbers as they are, other things by their kind
    /// (a megabyte string is not repeated back).
    static func brief(_ value: Value) -> String {
        switch value {
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): String(bool)
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .data: "binary data"
        case .null: "null"
        }
    }

    /// A value as the journal shows it; the journal cuts long strings.
    static func describe(_ value: Value) -> String {
        switch value {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): String(bool)
        case .null: "null"
        default: "\(value)"
        }
    }
}
