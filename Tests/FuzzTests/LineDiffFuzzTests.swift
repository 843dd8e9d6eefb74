import Testing
@testable import SandboxKit

/// The line diff on seeded random texts: its script rebuilds both sides, and it is as short as
/// the longest common subsequence (by dynamic programming, the oracle) allows.
@Suite struct LineDiffFuzzTests {
    static func lcs(_ a: [String], _ b: [String]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in a.indices.reversed() {
            for j in b.indices.reversed() {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        return table[0][0]
    }

    @Test func theScriptRebuildsBothSidesAndIsShortest() {
        var fuzz = Fuzz(0xD1FF)
        for _ in 0..<3_000 {
            let a = (0..<Int.random(in: 0...12, using: &fuzz)).map { _ in fuzz.pick(["x", "y", "z", "", "w w"]) }
            let b = (0..<Int.random(in: 0...12, using: &fuzz)).map { _ in fuzz.pick(["x", "y", "z", "", "v"]) }
            let script = LineDiff.edits(a, b)
            #expect(script.filter { $0.kind != .insert }.map { a[$0.oldLine] } == a, "\(a) → \(b)")
            #expect(script.filter { $0.kind != .delete }.map { b[$0.newLine] } == b, "\(a) → \(b)")
            #expect(script.count { $0.kind != .same } == a.count + b.count - 2 * Self.lcs(a, b), "\(a) → \(b)")
        }
    }

    @Test func aUnifiedDiffShowsTheChangeInItsContext() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
        #expect(LineDiff.unified(old, new, oldName: "a", newName: "b") == """
            --- a
            +++ b
            @@ -2,7 +2,7 @@
             line 2
             line 3
             line 4
            -line 5
            +line five
             line 6
             line 7
             line 8

            """)
        #expect(LineDiff.unified(old, old, oldName: "a", newName: "b").isEmpty)
    }

    /// Texts too different to search are shown as replaced whole, without the search's memory.
    @Test func textsPastTheSearchLimitAreReplacedWhole() {
        let a = (0..<3_000).map { "a\($0)" }, b = (0..<3_000).map { "b\($0)" }
        let script = LineDiff.edits(a, b)
        #expect(script.count == 6_000 && script.allSatisfy { $0.kind != .same })
        let huge = String(repeating: "\n", count: LineDiff.maxLines)
        #expect(LineDiff.unified(huge, "x\n", oldName: "a", newName: "b").contains("not compared"))
    }
}
