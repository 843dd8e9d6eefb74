import Foundation
import Testing

/// The toml-test suite's cases as Debian ships them (golang-github-burntsushi-toml-dev 1.2.0-2,
/// installed by scripts/setup-machine.sh), run through the `toml-test-decoder` executable as
/// toml-test itself would: every valid document decodes to its JSON, every invalid one is refused.
@Suite struct TOMLSuiteTests {
    static let suite = URL(fileURLWithPath: "/usr/share/gocode/src/github.com/BurntSushi/toml/internal/toml-test/tests")

    /// Cases left out, each with why.
    static let skipped: [String: String] = [
        "valid/string/escape-esc": "\\e is TOML 1.1 (this suite already has it as valid); TOML 1.0, which we read, has no \\e",
    ]

    static let decoder: URL = {
        var url = Bundle.main.bundleURL
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("toml-test-decoder").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("toml-test-decoder")
    }()

    static func cases(_ kind: String) throws -> [String] {
        let root = suite.appendingPathComponent(kind)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw SuiteMissing()
        }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".toml") }
            .map { "\(kind)/\($0.dropLast(5))" }.sorted()
    }

    struct SuiteMissing: Error, CustomStringConvertible {
        var description: String { "toml-test's cases are missing: apt-get install golang-github-burntsushi-toml-dev (make setup does)" }
    }

    static func decode(_ name: String) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = decoder
        process.standardInput = try FileHandle(forReadingFrom: suite.appendingPathComponent(name + ".toml"))
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
    }

    @Test func theSuiteIsThePinnedOne() throws {
        // 1.2.0-2's tests: a different count means a different suite, whose skips must be re-read.
        #expect(try Self.cases("valid").count == 100)
        #expect(try Self.cases("invalid").count == 234)
    }

    @Test func everyValidDocumentDecodesToItsJSON() throws {
        var failures: [String] = []
        for name in try Self.cases("valid") where Self.skipped[name] == nil {
            let result = try Self.decode(name)
            guard result.status == 0 else { failures.append("\(name): refused: \(result.stderr)"); continue }
            let want = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.suite.appendingPathComponent(name + ".json")), options: .fragmentsAllowed)
            let have = try JSONSerialization.jsonObject(with: result.stdout, options: .fragmentsAllowed)
            if let difference = Self.difference(want, have, at: "") { failures.append("\(name): \(difference)") }
        }
        #expect(failures.isEmpty, "\(failures.count) valid cases failed:\n\(failures.joined(separator: "\n"))")
    }

    @Test func everyInvalidDocumentIsRefusedWithALine() throws {
        var failures: [String] = []
        for name in try Self.cases("invalid") where Self.skipped[name] == nil {
            let result = try Self.decode(name)
            if result.status != 1 {
                failures.append("\(name): accepted as \(String(decoding: result.stdout, as: UTF8.self))")
            } else if result.stderr.range(of: #"^line \d+, column \d+: "#, options: .regularExpression) == nil {
                failures.append("\(name): the error names no position: \(result.stderr)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) invalid cases failed:\n\(failures.joined(separator: "\n"))")
    }

    /// toml-test's comparison: tables by keys, arrays in order, floats as numbers, date-times as instants
    /// written the same way; everything else as its text.
    static func difference(_ want: Any, _ have: Any, at path: String) -> String? {
        if let want = want as? [String: Any], let value = want["value"] as? String, let type = want["type"] as? String, want.count == 2 {
            guard let have = have as? [String: Any], let haveType = have["type"] as? String, let haveValue = have["value"] as? String else {
                return "\(path): want \(type) \(value), have \(have)"
            }
            guard type == haveType else { return "\(path): want \(type), have \(haveType) \(haveValue)" }
            let same = switch type {
            case "float": floatsEqual(value, haveValue)
            case "datetime", "datetime-local", "date-local", "time-local": normalised(value) == normalised(haveValue)
            default: value == haveValue
            }
            return same ? nil : "\(path): want \(type) \(value.debugDescription), have \(haveValue.debugDescription)"
        }
        if let want = want as? [String: Any] {
            guard let have = have as? [String: Any] else { return "\(path): want a table, have \(have)" }
            guard Set(want.keys) == Set(have.keys) else { return "\(path): want keys \(want.keys.sorted()), have \(have.keys.sorted())" }
            return want.keys.sorted().lazy.compactMap { difference(want[$0]!, have[$0]!, at: "\(path).\($0)") }.first
        }
        if let want = want as? [Any] {
            guard let have = have as? [Any], have.count == want.count else { return "\(path): want \(want.count) items, have \(have)" }
            return zip(want, have).enumerated().lazy.compactMap { difference($1.0, $1.1, at: "\(path)[\($0)]") }.first
        }
        return "\(path): unexpected \(want)"
    }

    static func floatsEqual(_ want: String, _ have: String) -> Bool {
        func number(_ text: String) -> Double? {
            switch text {
            case "nan", "+nan", "-nan": .nan
            case "inf", "+inf": .infinity
            case "-inf": -.infinity
            default: Double(text)
            }
        }
        guard let a = number(want), let b = number(have) else { return false }
        return a == b || a.isNaN && b.isNaN
    }

    /// Upper-case T and Z, no trailing zeros in a fraction, +00:00 as Z.
    static func normalised(_ text: String) -> String {
        var text = text.uppercased().replacingOccurrences(of: " ", with: "T")
        for zero in ["+00:00", "-00:00"] where text.hasSuffix(zero) { text = String(text.dropLast(6)) + "Z" }
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[text.index(after: dot)...].firstIndex { !$0.isNumber } ?? text.endIndex
            var fraction = String(text[text.index(after: dot)..<digitsEnd])
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text = String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + text[digitsEnd...]
        }
        return text
    }
}
