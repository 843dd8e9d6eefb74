import Foundation
import SandboxKit
import Testing
@testable import SandboxTUI

/// The whole console on the headless driver against the real daemon: keys in, frames out.
@MainActor @Suite(.serialized, .timeLimit(.minutes(3))) struct ConsoleAppTests {
    static let python = ProcessInfo.processInfo.environment["SANDBOX_TEST_PYTHON_IMAGE"] ?? "sandbox-test/python:3.11"

    /// A console running on a ``HeadlessDriver``, with its recovery copies in a directory of its own.
    @MainActor final class Harness {
        let driver = HeadlessDriver(width: 120, height: 40)
        let app: ConsoleApp
        let recovery = RecoveryStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)"))
        private var running: Task<Void, Never>?

        /// `environment` leads to the Docker contexts the console shows as engines; `engine` is the
        /// primary (by default the daemon's).
        init(engine: SandboxEngine? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
            app = ConsoleApp(engine: try engine ?? SandboxEngine(), options: ConsoleOptions(), driver: driver, recovery: recovery, environment: environment)
            running = Task { [app] in await app.run() }
        }

        var state: UIState { app.store.state }

        /// Waits until `condition` holds for the state and the last frame; fails loudly at the deadline.
        @discardableResult
        func until(_ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: (UIState, String) -> Bool) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            while !condition(state, driver.screen) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("timed out waiting for \(what); the screen:\n\(driver.screen)", sourceLocation: sourceLocation)
                    throw TimedOut()
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            return driver.screen
        }

        func command(_ line: String) {
            driver.type(":" + line)
            driver.press(.enter)
        }

        struct TimedOut: Error {}

        /// A new sandbox of the test image, made from the command line once the list is drawn.
        func newSandbox() async throws {
            try await until("the first frame") { _, screen in screen.contains("Sandboxes (") }
            command("new \(ConsoleAppTests.python)")
            try await until("a sandbox", timeout: .seconds(60)) { state, _ in state.current != nil && state.message?.text.contains("is ready") == true }
        }

        /// Runs `body` (a timeout is already recorded, any other error is recorded here), then ends.
        func drive(_ body: () async throws -> Void) async {
            do { try await body() } catch is TimedOut {} catch { Issue.record(error) }
            await end()
        }

        /// Ends the console as a signal would, removes the sandboxes it made and its files.
        func end() async {
            driver.signal()
            await running?.value
            await app.session.shutdown()
            try? FileManager.default.removeItem(at: recovery.directory)
        }
    }

    @Test func openEditSaveAndRunAgainstTheDaemon() async throws {
        let console = try Harness()
        await console.drive {
            try await console.newSandbox()
            console.command("open /workspace/app.py")
            try await console.until("the new file") { _, screen in screen.contains("app.py is a new file") }
            #expect(console.state.focus == .editor)
            // Enter after the colon indents the loop's body; the next line keeps that indent.
            for line in ["a, b = 0, 1", "for _ in range(10):", "print(a, end=\" \")", "a, b = b, a + b"] {
                console.driver.type(line)
                if !line.hasPrefix("a, b = b") { console.driver.press(.enter) }
            }
            try await console.until("the buffer") { _, screen in screen.contains("/workspace/app.py [+]") }
            console.driver.press(.function(5))
            let ran = try await console.until("the run") { state, screen in
                screen.contains("0 1 1 2 3 5 8 13 21 34") && screen.contains("-- exit 0") && state.running == nil
            }
            #expect(!ran.contains("[+]"), "saved:\n\(ran)")
            let name = try #require(console.state.current)
            let saved = try await console.app.session.engine.sandbox(named: name).readText("/workspace/app.py")
            #expect(saved == "a, b = 0, 1\nfor _ in range(10):\n    print(a, end=\" \")\n    a, b = b, a + b\n")
        }
    }

    /// After a command, the output pane says what it changed in the sandbox's files.
    @Test func aCommandIsFollowedByWhatItChanged() async throws {
        let console = try Harness()
        await console.drive {
            try await console.newSandbox()
            console.command("!mkdir out && touch out/result.txt")
            try await console.until("the changes") { _, screen in screen.contains("changed: 2 added, 0 changed, 0 deleted: +/workspace/out") }
        }
    }

    /// `new --allow` from the command line: a bad value is refused with the policy's message and
    /// makes nothing; a good one reaches the engine, and the row says `allow`.
    @Test func newWithAnAllowListFromTheCommandLine() async throws {
        let console = try Harness()
        await console.drive {
            try await console.until("the first frame") { _, screen in screen.contains("Sandboxes (") }
            console.command("new --allow 10.0.0.1:0")
            try await console.until("the refusal") { state, _ in
                state.message?.text == "--allow '10.0.0.1:0': the port must be a number from 1 to 65535"
            }
            #expect(console.state.pending.isEmpty, "no sandbox is on its way")
            console.command("new --allow db.internal:5432 --add-host db.internal:10.1.2.3 \(ConsoleAppTests.python)")
            try await console.until("a sandbox", timeout: .seconds(60)) { state, _ in state.current != nil && state.message?.text.contains("is ready") == true }
            let name = try #require(console.state.current)
            try await console.until("its row marked") { _, screen in
                let lines = screen.components(separatedBy: "\n")
                guard let row = lines.firstIndex(where: { $0.contains(name + "*") }), row + 1 < lines.count else { return false }
                return lines[row + 1].contains("allow · tui")
            }
            let made = try await console.app.session.engine.sandbox(named: name)
            #expect(made.policy == (try NetworkPolicy(allow: ["db.internal:5432"], hosts: ["db.internal:10.1.2.3"])))
        }
    }

    @Test func theListShowsASandboxMadeElsewhereAndCancelStopsACommand() async throws {
        let console = try Harness()
        let sandbox = DockerSandbox(image: Self.python, labels: ["sandbox.test": "true"])
        await console.drive {
            try await console.until("the connection") { state, _ in if case .connected = state.connection { true } else { false } }
            try await sandbox.start()
            try await console.until("the new sandbox in the list") { _, screen in screen.contains(sandbox.name) }
            console.command("use \(sandbox.name)")
            try await console.until("using it") { state, _ in state.current == sandbox.name }
            console.command("!echo started; sleep 30")
            try await console.until("the command running") { state, screen in state.running != nil && screen.contains("started") }
            console.driver.press(.ctrl("c"))
            try await console.until("the cancel", timeout: .seconds(15)) { state, _ in state.running == nil }
            #expect(console.state.message?.text == "error: cancelled")
        }
        try? await sandbox.stop()
    }

    /// A job printing fast, and then a long run without a newline: its tab gets all of it, in
    /// order and before its end, the newline-less run cut into lines of at most 4 KiB.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SANDBOX_RUNNER"] != "off"))
    func aFloodingJobsOutputArrivesWholeInBoundedLines() async throws {
        let console = try Harness()
        await console.drive {
            try await console.newSandbox()
            console.command("bg seq 1 50000; head -c 100000 /dev/zero | tr '\\0' x")
            try await console.until("the job's end", timeout: .seconds(60)) { state, _ in state.tabs.first?.ended != nil }
            let lines = try #require(console.state.tabs.first).log.lines.map { $0.map(\.text).joined() }
            #expect(lines.last == "-- job 1 exited 0", "\(lines.suffix(3))")
            let run = lines.drop { !$0.hasPrefix("x") }.dropLast()
            #expect(run.allSatisfy { $0.utf8.count <= OutputLog.lineBytes } && run.joined() == String(repeating: "x", count: 100_000))
            #expect(lines.dropLast(run.count + 1).suffix(2) == ["49999", "50000"], "the numbers came whole and in order")
        }
    }

    @Test func theHelpScreenIsTheKeyTable() async throws {
        let console = try Harness()
        console.driver.resize(width: 120, height: 70)
        await console.drive {
            try await console.until("the first frame") { _, screen in screen.contains("Sandboxes (") }
            console.driver.press(.char("?"))
            let help = try await console.until("the help") { _, screen in screen.contains("Keys - any key closes") }
            for binding in KeyTable.bindings { #expect(help.contains(binding.label), "\(binding.label)") }
            console.driver.press(.char("q"))
            try await console.until("the help closed") { _, screen in !screen.contains("Keys - any key closes") }
            #expect(console.state.ending == nil, "the key only closed the help")
            console.driver.press(.ctrl("l"))
            try await console.until("Ctrl-L's repaint") { _, _ in console.driver.repaints == 1 }
        }
    }

    @Test func quitEndsTheRunAndGivesTheTerminalBack() async throws {
        let console = try Harness()
        try await console.until("the first frame") { _, screen in screen.contains("Sandboxes (") }
        console.command("theme light")
        try await console.until("the theme") { state, _ in state.themeName == "light" }
        #expect(console.driver.theme?.name == "light")
        console.driver.press(.char("q"))
        await console.end()
        #expect(console.driver.restored && console.state.ending == .quit)
    }
}
