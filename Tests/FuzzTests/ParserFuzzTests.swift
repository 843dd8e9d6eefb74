import Foundation
@testable import SandboxCommands
@testable import SandboxKit
import Testing

/// Random command lines and runtimes files: each gives a value or a typed error, never a crash.
@Suite struct ParserFuzzTests {
    static let commandPieces = ["write", "ls", "cat", "new", "use", "!", "#", " ", "  ", "\t", "\n", "\r\n", "<<", "<<EOF",
                                "EOF", "<< ", "'", "\"", "\\", "\\\"", "a", "/workspace", "..", "\0", "é", "👍🏽", "help", "quit", "run"]

    @Test func commandLinesParseOrFailWithACommandError() {
        var fuzz = Fuzz(1)
        var parsed = 0, rejected = 0
        for _ in 0..<20_000 {
            let line = fuzz.text(from: Self.commandPieces, length: 12)
            do {
                if let command = try CommandParser.parse(line) {
                    parsed += 1
                    // A heredoc always has a path and a terminator to stop at.
                    if case .write(let path, let terminator, let content) = command {
                        #expect(!terminator.isEmpty && content.isEmpty, "\(line.debugDescription) → \(path)")
                    }
                }
            } catch {
                rejected += 1
            }
            _ = try? CommandParser.tokenize(line)
        }
        #expect(parsed > 100 && rejected > 100, "the inputs reach both outcomes: \(parsed) parsed, \(rejected) rejected")
    }

    @Test func heredocHeadersAreParsedWhateverFollowsTheMarker() throws {
        var fuzz = Fuzz(2)
        for _ in 0..<5_000 {
            let tag = fuzz.text(from: ["EOF", "END", "x", "'", "\"", " ", "<", "\\"], length: 4)
            let line = "write " + fuzz.text(from: ["f", "/", ".", " ", "'a b'"], length: 4) + " <<" + tag
            if case .write(_, let terminator, _)? = try? CommandParser.parse(line) { #expect(!terminator.isEmpty) }
        }
        #expect(try CommandParser.parse("write 'a b' << END") == .write(path: "a b", terminator: "END", content: ""))
    }

    static let tomlPieces = ["[", "]", "[[", "[a]", "[a.env]", "[b.x]", "\"", "'", "=", "{", "}", ",", "#", "\n", "\n", " ",
                             "\\", "\\n", "\\u0041", "image", "base_image", "packages", "env", "work_dir", "package_manager",
                             "\"x\"", "\"/w\"", "[\"p\"]", "{ K = \"v\" }", "1e300", "-0", "nan", "inf", "9223372036854775808",
                             "true", "a", ".", "\t", "pip"]

    @Test func runtimesFilesLoadOrReportAProblem() {
        var fuzz = Fuzz(3)
        var loaded = 0, problems = 0
        for _ in 0..<10_000 {
            let text = fuzz.text(from: Self.tomlPieces, length: 40)
            do {
                _ = try RuntimesFile.parse(text, file: "runtimes.toml", base: RuntimeRegistry(RuntimeRegistry.builtIn))
                loaded += 1
            } catch let problem as RuntimesFile.Problem {
                #expect(problem.line >= 1, "\(text.debugDescription): \(problem)")
                problems += 1
            } catch {
                Issue.record("\(text.debugDescription) threw \(error), not a RuntimesFile.Problem")
            }
        }
        #expect(loaded > 10 && problems > 100, "\(loaded) loaded, \(problems) problems")
    }

    @Test func byteSizesAreANumberOfBytesOrNil() {
        var fuzz = Fuzz(4)
        for _ in 0..<20_000 {
            let text = fuzz.text(from: ["1", "5", "9", "0", ".", "inf", "nan", "e", "-", "+", " ", "g", "m", "k", "b", "ib", "B", "x"], length: 25)
            if let bytes = ByteSize.parse(text) { #expect(bytes > 0) }
        }
        #expect(ByteSize.parse("1.5g") == 1_610_612_736)
        #expect(ByteSize.parse("512m") == 512 << 20)
        #expect(ByteSize.parse("2GiB") == 2 << 30)
        #expect(ByteSize.parse("1048576") == 1_048_576)
        #expect(ByteSize.parse(".5k") == 512)
        for bad in ["infg", "nang", "1e30g", "8589934592g", "-1g", "0", "0.0m", "", "g", ".", "1.2.3m", "1.0000000001g", "١٢m"] {
            #expect(ByteSize.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func timeoutsAreADurationOrASandboxError() throws {
        var fuzz = Fuzz(5)
        for _ in 0..<20_000 {
            let seconds = fuzz.double()
            do {
                let duration = try Timeout.duration(seconds: seconds)
                #expect(duration >= .zero && duration <= .seconds(86_400))
            } catch {
                #expect(!(seconds.isFinite && seconds > 0 && seconds <= 86_400), "\(seconds): \(error)")
            }
        }
        #expect(throws: SandboxError.invalidArgument("--timeout must be a number of seconds above 0 and at most 86400, got 1e+19")) {
            try Timeout.duration(seconds: 1e19, for: "--timeout")
        }
        #expect(try Timeout.duration(seconds: 1.5) == .milliseconds(1500))
    }
}
