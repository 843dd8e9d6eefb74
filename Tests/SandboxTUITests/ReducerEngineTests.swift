import DockerEngine
import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// The list with more than one engine: grouped by engine, each with its own connection.
@Suite struct ReducerEngineTests {
    /// The sample's three sandboxes on the default engine, and a second engine, "tls".
    static func twoEngines() -> UIState {
        var state = ScreenTests.sampleState()
        state.engines.append(EngineView(name: "tls", endpoint: "tcp+TLS"))
        state.focus = .list
        return state
    }

    static func box(_ name: String, created: Date = ScreenTests.now) -> SandboxInfo {
        SandboxInfo(name: name, containerID: "id-\(name)", image: "busybox", runtime: nil, state: .running, status: "Up",
                    createdBy: .cli, client: nil, created: created, managed: true)
    }

    static let refused = DockerError.daemonUnreachable(.tcp(host: "127.0.0.1", port: 23760), detail: "refused")

    @Test func eachEngineKeepsItsOwnListAndConnection() {
        var state = Self.twoEngines()
        Fixture.reduce(&state, .watcher(engine: "tls", .connected(api: "1.47")), .watcher(engine: "tls", .sandboxes([Self.box("far")])))
        #expect(state.engines[1].connection == .connected(api: "1.47"))
        #expect(state.rows.map(\.name) == ["python-3f2a", "agent-77c1", "old-box", "far@tls"], "the primary first; others as NAME@CONTEXT")

        Fixture.reduce(&state, .watcher(engine: "tls", .down(Self.refused)))
        #expect(state.engines[1].connection == .down("daemon not reachable"))
        #expect(state.connection == .connected(api: "1.41"), "one engine down leaves the other alone")
        Fixture.reduce(&state, .watcher(engine: "default", .sandboxes(state.sandboxes + [Self.box("near")])))
        #expect(state.rows.map(\.name) == ["python-3f2a", "agent-77c1", "old-box", "near", "far@tls"])
        #expect(state.engines[1].connection == .down("daemon not reachable"), "still down until its own watcher says otherwise")

        Fixture.reduce(&state, .watcher(engine: "tls", .connected(api: "1.47")))
        #expect(state.engines[1].connection == .connected(api: "1.47"), "back by itself")
        #expect(Fixture.reduce(&state, .watcher(engine: "gone", .sandboxes([Self.box("x")]))) == [], "an engine not listed is ignored")
    }

    @Test func selectingASandboxOfAnotherEngineNamesItsEngine() {
        var state = Self.twoEngines()
        Fixture.reduce(&state, .watcher(engine: "tls", .sandboxes([Self.box("far")])))
        state.selected = 2
        #expect(Fixture.reduce(&state, .key(.down)).first == .select("far@tls", then: nil))
    }

    @Test func newOnAnotherEngineShowsItsRowInThatGroup() {
        var state = Self.twoEngines()
        Fixture.reduce(&state, .key(.char(":")))
        let effects = Fixture.reduce(&state, .lineEntered("new --on tls --oci-runtime runsc busybox"))
        #expect(effects.contains(.create("busybox", on: "tls", ociRuntime: "runsc")))
        #expect(state.message?.text == "creating a sandbox from busybox on tls...")
        Fixture.reduce(&state, .session(.creatingDefault(image: "busybox")))
        #expect(state.groups.map { $0.rows.map(\.name) } == [["python-3f2a", "agent-77c1", "old-box"], [Reducer.newRow]])
        Fixture.reduce(&state, .session(.created(name: "busy-1@tls", from: "busybox", fromPool: false)),
                       .created(status: 0, current: "busy-1@tls"), .watcher(engine: "tls", .sandboxes([Self.box("busy-1")])))
        #expect(state.current == "busy-1@tls" && state.groups[1].rows.map(\.name) == ["busy-1@tls"])
    }

    @Test func withOneEngineTheListHasNoHeaders() {
        let state = ScreenTests.sampleState()
        let one = Screen.render(state, width: 100, height: 24).text
        #expect(!one.contains("default ·") && one.contains("python-3f2a"))
        #expect(ListLayout(state, height: 20).lines.map(\.line) == [.row(0), .row(1), .row(2)])
    }

    @Test func twoEnginesShowHeadersTheirStateAndWhy() {
        var state = Self.twoEngines()
        state.engines[0].endpoint = "unix"
        Fixture.reduce(&state, .watcher(engine: "tls", .down(Self.refused)))
        let screen = Screen.render(state, width: 120, height: 24).text
        #expect(screen.contains("│default · unix        connected│"))
        #expect(screen.contains("│tls · tcp+TLS      disconnected│"))
        #expect(screen.contains("daemon not reachable; retrying"))
        let narrow = Screen.render(state, width: 80, height: 24).text
        #expect(narrow.contains("│tls · tcp disconnected│"), "a narrow list cuts the kind, never the state")
        let layout = ListLayout(state, height: 20)
        #expect(layout.lines.map(\.line) == [.header(0), .row(0), .row(1), .row(2), .header(1), .note(1)])
        #expect(layout.row(at: 0) == nil && layout.row(at: 1) == 0 && layout.row(at: 2) == 0 && layout.row(at: 3) == 1)
    }

    @Test func theSelectedSandboxStaysInViewBelowTheHeaders() {
        var state = Self.twoEngines()
        Fixture.reduce(&state, .watcher(engine: "tls", .sandboxes((0..<6).map { Self.box("far\($0)") })))
        state.selected = state.rows.count - 1
        let layout = ListLayout(state, height: 8)
        #expect(layout.lines.last?.line == .row(state.selected))
        #expect(layout.lines.allSatisfy { $0.y >= 0 && $0.y + $0.line.height <= 8 })
    }
}
