import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// CPU and memory in the list: which sandboxes are sampled, when figures go, how rows and the
/// sparkline show them.
@Suite struct ReducerStatsTests {
    /// The sample's sandboxes with figures for both running ones ("abc", "def"; "123" is exited).
    static func sampled() -> UIState {
        var state = ScreenTests.sampleState()
        state.focus = .list
        var busy = SandboxStats(cpuPercent: 3.14, memoryUsed: 12 * 1024 * 1024, memoryLimit: 2 * 1024 * 1024 * 1024)
        (busy.cpuHistory, busy.memoryHistory) = ([0, 50, 100, 25], [1, 4, 8, 8].map { $0 * 1024 * 1024 })
        Fixture.reduce(&state, .stats(engine: "default", ["abc": busy, "def": SandboxStats(memoryUsed: 512 * 1024), "123": busy]))
        return state
    }

    /// Ages read as `docker ps` says them (seconds in the first minute, then minutes), and the
    /// clock's tick goes to the store only when one shown reads differently: an idle list of
    /// sandboxes a few minutes old draws a frame a minute for them, not one a second.
    @Test func theClockTicksOnlyWhenAnAgeReadsDifferently() {
        var state = ScreenTests.sampleState()  // running for 184 s and 42 s; one exited
        #expect(state.agesChange(at: ScreenTests.now + 1), "42s becomes 43s")
        state.sandboxes.removeAll { $0.name == "agent-77c1" }
        #expect(!state.agesChange(at: ScreenTests.now + 1), "3m stays 3m")
        #expect(state.agesChange(at: ScreenTests.now + 56), "3m becomes 4m")
        #expect(Screen.render(state, width: 100, height: 24).text.contains("python-3f2a*          3m"))
    }

    @Test func onlyRunningSandboxesAreSampledAndKeepFigures() {
        var state = Self.sampled()
        #expect(Set(state.stats.keys) == ["abc", "def"], "the exited sandbox's late sample is dropped")

        // python-3f2a stops: the list that says so takes its figures away and stops sampling it.
        var list = state.sandboxes
        list[0].state = .exited
        let effects = Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(list)))
        #expect(effects.contains(.trackStats(engine: "default", ["def"])))
        #expect(Set(state.stats.keys) == ["def"])

        // A round from another engine leaves this one's figures alone; an engine not listed is ignored.
        state.engines.append(EngineView(name: "tls", endpoint: "tcp+TLS"))
        Fixture.reduce(&state, .watcher(engine: "tls", .sandboxes([ReducerEngineTests.box("far")])))
        Fixture.reduce(&state, .stats(engine: "tls", ["id-far": SandboxStats(cpuPercent: 1)]), .stats(engine: "gone", ["x": SandboxStats()]))
        #expect(Set(state.stats.keys) == ["def", "id-far"])
        Fixture.reduce(&state, .stats(engine: "default", [:]))
        #expect(Set(state.stats.keys) == ["id-far"], "a round without it: its sample failed or it went")
    }

    @Test func rowsShowCPUAndMemoryAndTheSelectedOnesSparkline() throws {
        var state = Self.sampled()
        let lines = Screen.render(state, width: 120, height: 30).text.split(separator: "\n", omittingEmptySubsequences: false)
        let python = try #require(lines.firstIndex { $0.contains("python-3f2a") })
        #expect(lines[python + 1].contains("3.1% 12M/2.0G"), "\(lines[python + 1])")
        let agent = try #require(lines.firstIndex { $0.contains("agent-77c1") })
        #expect(lines[agent + 1].contains("- 512K"), "CPU unknown until a second sample, no limit: \(lines[agent + 1])")
        let exited = try #require(lines.firstIndex { $0.contains("old-box") })
        #expect(!lines[exited + 1].contains("%"))
        // The list's bottom border: CPU scaled to one core, memory to its peak.
        #expect(lines[27].contains("cpu▁▅█▃ mem▂▅██"), "\(lines[27])")

        state.ascii = true
        let ascii = Screen.render(state, width: 120, height: 30).text
        #expect(ascii.contains("cpu_=#-"), "\(ascii)")
        #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func narrowListsDropTheLimitThenMemory() {
        let stats = SandboxStats(cpuPercent: 150, memoryUsed: 3 * 1024 * 1024, memoryLimit: 1024 * 1024 * 1024)
        #expect(Screen.statsColumns(stats, room: 30) == "150% 3.0M/1.0G")
        #expect(Screen.statsColumns(stats, room: 18) == "150% 3.0M")
        #expect(Screen.statsColumns(stats, room: 13) == "150%")
        #expect(Screen.statsColumns(stats, room: 11) == "")
        #expect(Screen.statsColumns(nil, room: 30) == "", "not sampled yet")
        // The narrowest console still draws a row's name.
        let state = Self.sampled()
        let text = Screen.render(state, width: Screen.minWidth, height: Screen.minHeight).text
        #expect(text.contains("python-3f2a") && text.contains("3.1%"), "\(text)")
    }
}

extension ReducerStatsTests {
    /// Only rows in view are sampled; scrolling brings others in from the next round on.
    @Test func onlySandboxesInViewAreSampled() {
        var state = ScreenTests.sampleState()
        state.focus = .list
        (state.width, state.height) = (100, 24)
        let boxes = (0..<30).map { ReducerEngineTests.box(String(format: "box-%02d", $0)) }
        let effects = Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(boxes)))
        let inView = Set(Screen.render(state, width: 100, height: 24).text.matches(of: /box-\d\d/).map { "id-" + $0.output })
        #expect(inView.count > 3 && inView.count < 30)
        #expect(effects.contains(.trackStats(engine: "default", inView)), "\(effects)")
        state.selected = 29
        let scrolled = Set(Screen.render(state, width: 100, height: 24).text.matches(of: /box-\d\d/).map { "id-" + $0.output })
        #expect(scrolled.contains("id-box-29") && !scrolled.contains("id-box-00"))
        #expect(Fixture.reduce(&state, .stats(engine: "default", [:])) == [.trackStats(engine: "default", scrolled)])
    }
}
