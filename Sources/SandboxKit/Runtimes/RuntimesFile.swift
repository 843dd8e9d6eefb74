import Foundation

/// `$XDG_CONFIG_HOME/sandbox/runtimes.toml`: runtimes added or overridden by the user.
///
/// ```toml
/// [python-minimal]              # override a built-in: point it at a local image
/// image = "my-mirror/python:3.12-slim"
///
/// [team-ml]                     # a new runtime, built from a base image
/// description = "our ML stack"
/// base_image = "python:3.12-slim"
/// packages = ["torch", "transformers"]
/// package_manager = "pip"       # pip, npm or apt
/// setup_commands = ["apt-get update"]
/// env = { PYTHONUNBUFFERED = "1" }
/// work_dir = "/workspace"
/// sample = "demo/"              # what `sandbox demo team-ml` opens and runs: a file, or a
///                               # directory with main.* (relative to this file's directory)
/// port = 8000                   # the sample is a server on this port: demo runs it as a job
///                               # and forwards the port (a sample without port is not a server)
/// allow = ["pypi.internal:443", "10.0.0.0/8"]   # its sandboxes reach only these (`new --allow`);
/// add_hosts = ["pypi.internal:10.1.2.3"]       # names for them (`--add-host`); a caller's own
///                               # --allow/--add-host are added to these
/// user = "sandbox"              # its commands run as this user (`new --user`), made when missing
/// ```
public enum RuntimesFile {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var key: String?
        public var message: String
        public var description: String { "\(file):\(line): " + (key.map { "\($0): " } ?? "") + message }
    }

    public static var defaultURL: URL { UserDirectories.config.appendingPathComponent("runtimes.toml") }

    /// The built-ins with the file's runtimes applied. A broken file leaves the built-ins (and
    /// nothing from the file) and reports the problem.
    public static func load(from url: URL = defaultURL) -> (registry: RuntimeRegistry, problem: Problem?) {
        var registry = RuntimeRegistry(RuntimeRegistry.builtIn)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return (registry, nil) }
        do {
            for config in try parse(text, file: url.path, base: registry) { registry.add(config) }
            return (registry, nil)
        } catch let problem as Problem {
            return (RuntimeRegistry(RuntimeRegistry.builtIn), problem)
        } catch {
            return (registry, Problem(file: url.path, line: 0, key: nil, message: "\(error)"))
        }
    }

    /// Parses the file's runtimes, each applied over the built-in of the same name if any.
    static func parse(_ text: String, file: String, base: RuntimeRegistry) throws -> [RuntimeConfig] {
        let tables = try MiniTOML.parse(text, file: file)
        return try tables.map { table in
            func fail(_ key: String?, _ message: String, line: Int? = nil) -> Problem {
                Problem(file: file, line: line ?? table.line, key: key.map { "\(table.name).\($0)" }, message: message)
            }
            var config = base.runtimes[table.name] ?? RuntimeConfig(name: table.name)
            for (key, entry) in table.values {
                switch (key, entry.value) {
                case ("description", .string(let value)): config.description = value
                case ("image", .string(let value)): config.image = value; config.baseImage = nil
                case ("base_image", .string(let value)): config.baseImage = value; config.image = nil
                case ("packages", .array(let value)): config.packages = value
                case ("setup_commands", .array(let value)): config.setupCommands = value
                case ("work_dir", .string(let value)):
                    guard value.hasPrefix("/") else { throw fail(key, "must be an absolute path", line: entry.line) }
                    config.workDir = value
                case ("env", .table(let value)): config.envVars = value
                case ("sample", .string(let value)):
                    let expanded = (value as NSString).expandingTildeInPath
                    config.sample = expanded.hasPrefix("/") ? expanded
                        : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(expanded).standardizedFileURL.path
                case ("port", .integer(let value)):
                    guard (1...65535).contains(value) else { throw fail(key, "must be a port from 1 to 65535", line: entry.line) }
                    config.samplePort = value
                case ("port", _):
                    throw fail(key, "must be a whole number: the port the sample serves on", line: entry.line)
                case ("allow", .array(let value)):
                    do throws(PolicyError) { config.policy.allow = try NetworkPolicy(allow: value, hosts: []).allow } catch {
                        throw fail(key, error.description, line: entry.line)
                    }
                case ("add_hosts", .array(let value)):
                    do throws(PolicyError) { config.policy.hosts = try NetworkPolicy(allow: [], hosts: value).hosts } catch {
                        throw fail(key, error.description, line: entry.line)
                    }
                case ("user", .string(let value)):
                    do throws(SandboxError) { config.user = try SandboxUser(parsing: value) } catch {
                        throw fail(key, error.description, line: entry.line)
                    }
                case ("package_manager", .string(let value)):
                    guard let manager = RuntimeConfig.PackageManager(rawValue: value) else {
                        throw fail(key, "must be pip, npm or apt", line: entry.line)
                    }
                    config.packageManager = manager
                case ("description", _), ("image", _), ("base_image", _), ("work_dir", _), ("package_manager", _), ("sample", _), ("user", _):
                    throw fail(key, "must be a string", line: entry.line)
                case ("packages", _), ("setup_commands", _), ("allow", _), ("add_hosts", _):
                    throw fail(key, "must be an array of strings", line: entry.line)
                case ("env", _):
                    throw fail(key, "must be a table of strings", line: entry.line)
                default:
                    throw fail(key, "unknown key (known: description, image, base_image, packages, package_manager, setup_commands, env, work_dir, sample, port, allow, add_hosts, user)", line: entry.line)
                }
            }
            // A sample of its own is a server only if this table says so (not a built-in's port).
            let keys = Set(table.values.map(\.0))
            if keys.contains("sample") && !keys.contains("port") { config.samplePort = nil }
            if config.image == nil && config.baseImage == nil {
                throw fail(nil, "needs image or base_image")
            }
            return config
        }
    }
}

/// The part of TOML the runtimes file needs: `[table]` and `[table.sub]` headers, and keys whose
/// values are strings, whole numbers, arrays of strings, or inline tables of strings. Errors carry the line.
/// Not LebJe/TOMLKit (0.6.0, in the mirror): its values carry no source position (only its parse
/// errors do), so "packages must be an array of strings" could no longer name the key's line,
/// and it would add toml++ (C++) to every build.
enum MiniTOML {
    enum Value: Equatable { case string(String), integer(Int), array([String]), table([String: String]) }
    struct Entry { var value: Value; var line: Int }
    struct Table { var name: String; var line: Int; var values: [(String, Entry)] }

    static func parse(_ text: String, file: String) throws -> [Table] {
        var tables: [Table] = []
        var current: (table: Int, sub: String?)?
        let lines = text.components(separatedBy: "\n")
        var index = 0
        func problem(_ line: Int, _ key: String?, _ message: String) -> RuntimesFile.Problem {
            RuntimesFile.Problem(file: file, line: line, key: key, message: message)
        }
        while index < lines.count {
            let number = index + 1
            let line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw problem(number, nil, "malformed table header") }
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                let parts = unquote(name).split(separator: ".", maxSplits: 1).map(String.init)
                guard let runtime = parts.first, !runtime.isEmpty else { throw problem(number, nil, "empty table name") }
                if parts.count == 2 {
                    guard let at = tables.lastIndex(where: { $0.name == runtime }) else {
                        throw problem(number, nil, "[\(name)] comes before [\(runtime)]")
                    }
                    guard parts[1] == "env" else { throw problem(number, "\(runtime).\(parts[1])", "only [NAME.env] sub-tables are known") }
                    tables[at].values.append(("env", Entry(value: .table([:]), line: number)))
                    current = (at, "env")
                } else {
                    guard !tables.contains(where: { $0.name == runtime }) else { throw problem(number, nil, "[\(runtime)] appears twice") }
                    tables.append(Table(name: runtime, line: number, values: []))
                    current = (tables.count - 1, nil)
                }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw problem(number, nil, "expected key = value") }
            let key = unquote(line[..<equals].trimmingCharacters(in: .whitespaces))
            guard let (tableIndex, sub) = current else { throw problem(number, key, "a key outside any [runtime] table") }
            let qualified = "\(tables[tableIndex].name).\(sub.map { "\($0)." } ?? "")\(key)"
            guard !key.isEmpty else { throw problem(number, nil, "empty key") }
            var raw = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // Arrays may span lines.
            while raw.hasPrefix("["), !balanced(raw), index < lines.count {
                raw += " " + stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
                index += 1
            }
            let value: Value
            do { value = try parseValue(raw) } catch let message as ValueError {
                throw problem(number, qualified, message.text)
            }
            if let sub {
                guard case .string(let string) = value else { throw problem(number, qualified, "must be a string") }
                let envIndex = tables[tableIndex].values.lastIndex { $0.0 == sub }!
                guard case .table(var env) = tables[tableIndex].values[envIndex].1.value else { continue }
                env[key] = string
                tables[tableIndex].values[envIndex].1.value = .table(env)
            } else {
                guard !tables[tableIndex].values.contains(where: { $0.0 == key }) else { throw problem(number, qualified, "set twice") }
                tables[tableIndex].values.append((key, Entry(value: value, line: number)))
            }
        }
        return tables
    }

    struct ValueError: Error { var text: String }

    static func parseValue(_ raw: String) throws -> Value {
        var scanner = Scanner(Array(raw))
        let value: Value
        switch scanner.peek {
        case "\"", "'": value = .string(try scanner.string())
        case "[":
            scanner.advance()
            var items: [String] = []
            scanner.skipSpace()
            while scanner.peek != "]" {
                items.append(try scanner.string())
                scanner.skipSpace()
                if scanner.peek == "," { scanner.advance(); scanner.skipSpace() } else if scanner.peek != "]" {
                    throw ValueError(text: "expected , or ] in the array")
                }
            }
            scanner.advance()
            value = .array(items)
        case "{":
            scanner.advance()
            var table: [String: String] = [:]
            scanner.skipSpace()
            while scanner.peek != "}" {
                let key = try scanner.key()
                scanner.skipSpace()
                guard scanner.peek == "=" else { throw ValueError(text: "expected = in the inline table") }
                scanner.advance(); scanner.skipSpace()
                table[key] = try scanner.string()
                scanner.skipSpace()
                if scanner.peek == "," { scanner.advance(); scanner.skipSpace() } else if scanner.peek != "}" {
                    throw ValueError(text: "expected , or } in the inline table")
                }
            }
            scanner.advance()
            value = .table(table)
        case let c? where c.isASCII && (c.isNumber || c == "-" || c == "+"):
            var digits = ""
            while let c = scanner.peek, c.isASCII, c.isNumber || c == "-" || c == "+" || c == "_" { digits.append(c); scanner.advance() }
            guard let number = Int(digits.replacingOccurrences(of: "_", with: "")) else { throw ValueError(text: "\(digits) is not a whole number") }
            value = .integer(number)
        default:
            throw ValueError(text: "expected a \"string\", a number, an [array] or an { inline table }")
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw ValueError(text: "unexpected text after the value") }
        return value
    }

    struct Scanner {
        let chars: [Character]
        var at = 0
        init(_ chars: [Character]) { self.chars = chars }
        var atEnd: Bool { at >= chars.count }
        var peek: Character? { atEnd ? nil : chars[at] }
        mutating func advance() { at += 1 }
        mutating func skipSpace() { while let c = peek, c == " " || c == "\t" { advance() } }

        mutating func string() throws -> String {
            guard let quote = peek, quote == "\"" || quote == "'" else { throw ValueError(text: "expected a quoted string") }
            advance()
            var out = ""
            while let c = peek {
                advance()
                if c == quote { return out }
                if c == "\\" && quote == "\"" {
                    guard let next = peek else { break }
                    advance()
                    switch next {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\"", "\\": out.append(next)
                    default: throw ValueError(text: "unknown escape \\\(next)")
                    }
                } else {
                    out.append(c)
                }
            }
            throw ValueError(text: "unterminated string")
        }

        mutating func key() throws -> String {
            if peek == "\"" || peek == "'" { return try string() }
            var out = ""
            while let c = peek, c.isLetter || c.isNumber || c == "_" || c == "-" { out.append(c); advance() }
            guard !out.isEmpty else { throw ValueError(text: "expected a key") }
            return out
        }
    }

    static func stripComment(_ line: String) -> String {
        var quote: Character?
        for (offset, c) in line.enumerated() {
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    static func unquote(_ text: String) -> String {
        text.count >= 2 && (text.hasPrefix("\"") && text.hasSuffix("\"") || text.hasPrefix("'") && text.hasSuffix("'"))
            ? String(text.dropFirst().dropLast()) : text
    }

    static func balanced(_ text: String) -> Bool {
        var depth = 0, quote: Character?
        for c in text {
            if let q = quote { if c == q { quote = nil }; continue }
            switch c {
            case "\"", "'": quote = c
            case "[": depth += 1
            case "]": depth -= 1
            default: break
            }
        }
        return depth == 0
    }
}
