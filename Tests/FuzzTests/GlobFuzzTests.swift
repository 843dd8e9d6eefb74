import Foundation
import Testing
@testable import SandboxKit

/// The glob segment matcher against glibc's fnmatch (FNM_PERIOD) as the oracle, on inputs small
/// enough for fnmatch's backtracking; and on one input that fnmatch would not finish.
@Suite struct GlobFuzzTests {
    @Test func segmentsMatchAsFnmatchDoes() {
        var fuzz = Fuzz(0x610B)
        let patternPieces = ["a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-c]", "\\*", "[]a]", "[", "**"]
        for _ in 0..<20_000 {
            var pattern = ""
            for _ in 0..<Int.random(in: 0...6, using: &fuzz) { pattern += fuzz.pick(patternPieces) }
            var name = ""
            for _ in 0..<Int.random(in: 0...7, using: &fuzz) { name += fuzz.pick(["a", "b", "c", ".", "*", "["]) }
            let expected = fnmatch(pattern, name, FNM_PERIOD) == 0
            #expect(SegmentPattern(pattern).matches(name) == expected, "pattern \(pattern) name \(name)")
        }
    }

    @Test func aPatternThatMakesFnmatchBacktrackIsDecidedAtOnce() {
        let pattern = SegmentPattern(String(repeating: "*a", count: 40) + "*b")
        let name = String(repeating: "a", count: 255)
        #expect(pattern.matches(name) == false)
        #expect(pattern.matches(name + "b"))
    }

    @Test func overlongPatternsAreRefused() {
        #expect(throws: SandboxError.self) { try GlobPattern(String(repeating: "a", count: 5000)) }
        #expect(throws: SandboxError.self) { try GlobPattern(Array(repeating: "a", count: 200).joined(separator: "/")) }
    }
}
