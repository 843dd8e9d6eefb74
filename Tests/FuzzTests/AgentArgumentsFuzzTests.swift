import Foundation
import MCP
@testable import SandboxKit
@testable import SandboxMCP
import Testing

/// MCP tool arguments as an agent could send them: decoded from JSON the way the server does, then
/// read with the checks the tools use. Each gives a value in range or a SandboxError.
@Suite struct AgentArgumentsFuzzTests {
    static let numberTexts = ["0", "-0", "1", "-1", "2000", "1e300", "-1e300", "1e400", "1.5", "5.0", "1E2", "9223372036854775807",
                              "9223372036854775808", "-9223372036854775809", "0.1e-400", "86400", "86400.5", "\"NaN\"", "\"Infinity\"",
                              "\"-inf\"", "\"12\"", "null", "true", "[]", "{}", "\"\"", "NaN", "Infinity", "1e", "--1", "0x10"]

    @Test func decodedArgumentsAreInRangeOrAnError() throws {
        var fuzz = Fuzz(6)
        var accepted = 0, rejected = 0, undecodable = 0
        for _ in 0..<20_000 {
            let json = "{\"offset\": \(fuzz.pick(Self.numberTexts)), \"limit\": \(fuzz.pick(Self.numberTexts)), "
                + "\"timeout\": \(fuzz.pick(Self.numberTexts)), \"replace_all\": \(fuzz.pick(Self.numberTexts))}"
            guard let values = try? JSONDecoder().decode([String: Value].self, from: Data(json.utf8)) else {
                undecodable += 1  // not JSON: the SDK answers such a request with a parse error
                continue
            }
            let args = Arguments(values)
            check(&accepted, &rejected) { if let offset = try args.int("offset", in: 0...Int.max) { #expect(offset >= 0) } }
            check(&accepted, &rejected) { if let limit = try args.int("limit", in: 1...AgentTools.lineLimit) { #expect((1...100_000).contains(limit)) } }
            check(&accepted, &rejected) { if let seconds = try args.number("timeout") { _ = try Timeout.duration(seconds: seconds) } }
            check(&accepted, &rejected) { _ = try args.bool("replace_all") }
        }
        #expect(accepted > 1000 && rejected > 1000 && undecodable > 100, "\(accepted) accepted, \(rejected) rejected, \(undecodable) not JSON")
    }

    @Test func valuesOfEveryKindAreCheckedWithoutTrapping() {
        var fuzz = Fuzz(7)
        let long = [0, 4096, 4097, 1 << 20].map { String(repeating: "x", count: $0) }
        for _ in 0..<2_000 {
            let value: Value = switch Int.random(in: 0..<8, using: &fuzz) {
            case 0: .int(fuzz.int())
            case 1: .double(fuzz.double())
            case 2: .string(fuzz.text(from: ["a", "/", "..", "\0", "\n", " ", "é", "*"], length: 10))
            case 3: .string(fuzz.pick(long))
            case 4: .bool(Bool.random(using: &fuzz))
            case 5: .array([.int(1)])
            case 6: .object(["k": .null])
            default: .null
            }
            let args = Arguments(["v": value])
            for read in [{ _ = try args.int("v", in: 0...Int.max) }, { _ = try args.int("v", in: 1...100_000) },
                         { _ = try args.number("v") }, { _ = try args.bool("v") }, { _ = try args.string("v") },
                         { _ = try args.path("v") }] as [() throws -> Void] {
                do { try read() } catch { #expect(error is SandboxError) }
            }
        }
    }

    @Test func pathsWithNulOrPastPathMaxAreRefused() throws {
        #expect(throws: SandboxError.self) { try Arguments(["path": .string("a\0b")]).path("path") }
        #expect(throws: SandboxError.self) { try Arguments(["path": .string(String(repeating: "a", count: 4097))]).path("path") }
        #expect(try Arguments(["path": .string("../a\nb")]).path("path") == "../a\nb")
        #expect(throws: SandboxError.invalidArgument("argument 'offset' must be an integer from 0 up, got 1e+300")) {
            try Arguments(["offset": .double(1e300)]).int("offset", in: 0...Int.max)
        }
    }

    private func check(_ accepted: inout Int, _ rejected: inout Int, _ body: () throws -> Void) {
        do { try body(); accepted += 1 } catch {
            #expect(error is SandboxError, "\(error)")
            rejected += 1
        }
    }
}
