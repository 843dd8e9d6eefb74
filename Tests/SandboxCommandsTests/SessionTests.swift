import Foundation
import SandboxKit
import Synchronization
import Testing
@testable import SandboxCommands

/// The session against the real daemon, through the typed events every front end renders.
@Suite(.timeLimit(.minutes(3))) struct SessionTests {
    static let image = ProcessInfo.processInfo.environment["SANDBOX_TEST_BUSYBOX_IMAGE"] ?? "sandbox-test/busybox:latest"

    /// Keeps every event, in order.
    final class Recorder: SessionOutput {
        private let events = Mutex<[SessionEvent]>([])
        func handle(_ event: SessionEvent) { events.withLock { $0.append(event) } }
        var all: [SessionEvent] { events.withLock { $0 } }
        func take() -> [SessionEvent] {
            events.withLock { events in
                defer { events = [] }
                return events
            }
        }
    }

    func withSession(_ body: (Session, Recorder) async throws -> Void) async throws {
        let session = Session(engine: try SandboxEngine(), creator: .repl)
        let recorder = Recorder()
        do { try await body(session, recorder) } catch {
            await session.shutdown()
            throw error
        }
        await session.shutdown()
    }

    @Test func newExecWriteCatAndRemoveReportTypedEvents() async throws {
        try await withSession { session, out in
            #expect(await session.perform(.new(Self.image), output: out) == 0)
            guard case .created(let name, let from, let fromPool) = out.take().last else { Issue.record("no .created"); return }
            let current = await session.currentName
            #expect(from == Self.image && !fromPool && current == name)

            #expect(await session.perform(.exec("echo hi; echo oops >&2; exit 3"), output: out) == 3)
            let events = out.take()
            guard case .execStarted(let command, let sandbox) = events.first else { Issue.record("\(events)"); return }
            #expect(command == "echo hi; echo oops >&2; exit 3" && sandbox == name)
            #expect(events.contains { if case .stdout("hi\n") = $0 { true } else { false } })
            #expect(events.contains { if case .stderr("oops\n") = $0 { true } else { false } })
            guard case .execFinished(let exit) = events.last else { Issue.record("\(events)"); return }
            #expect(exit.exitCode == 3)

            #expect(await session.perform(.write(path: "a.sh", terminator: "EOF", content: "echo from-file\n"), output: out) == 0)
            guard case .wrote("a.sh", 15) = out.take().last else { Issue.record("no .wrote"); return }
            #expect(await session.perform(.cat("a.sh"), output: out) == 0)
            guard case .fileShown("a.sh", "echo from-file\n") = out.take().last else { Issue.record("no .fileShown"); return }
            #expect(await session.perform(.run(nil), output: out) == 0, "run alone runs the file last written")
            #expect(out.take().contains { if case .stdout("from-file\n") = $0 { true } else { false } })

            #expect(await session.perform(.rm(nil), output: out) == 0)
            guard case .removed(name) = out.take().last else { Issue.record("no .removed"); return }
            let after = await session.currentName
            #expect(after == nil)
        }
    }

    @Test func commandsForTheEditorAndHelpAreLeftToTheFrontEnd() async throws {
        try await withSession { session, out in
            #expect(await session.perform(.save, output: out) == 1)
            guard case .needsEditor(let spec) = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "save" && spec.tuiOnly)
            #expect(await session.perform(.help("ls"), output: out) == 0)
            guard case .help(topic: "ls") = out.take().last else { Issue.record("no .help"); return }
        }
    }

    @Test func failuresAreTypedErrors() async throws {
        try await withSession { session, out in
            #expect(await session.perform(.run(nil), output: out) == 1)
            guard case .failed(let error) = out.take().last, case SandboxError.invalidArgument = error else {
                Issue.record("run with nothing open is an invalidArgument"); return
            }
            #expect(await session.perform(.use("no-such-sandbox-\(UUID().uuidString.prefix(6))"), output: out) == 1)
            guard case .failed(SandboxError.unknownSandbox) = out.take().last else { Issue.record("no unknownSandbox"); return }
        }
    }

    @Test func aCancelledCommandIsReportedAsCancelled() async throws {
        try await withSession { session, out in
            #expect(await session.perform(.new(Self.image), output: out) == 0)
            let running = Task { await session.perform(.exec("echo started; sleep 100"), output: out) }
            let deadline = ContinuousClock.now + .seconds(30)
            while !out.all.contains(where: { if case .stdout(let text) = $0 { text.contains("started") } else { false } }) {
                try #require(ContinuousClock.now < deadline, "the command never printed")
                try await Task.sleep(for: .milliseconds(20))
            }
            running.cancel()
            #expect(await running.value == 130)
            guard case .cancelled = out.all.last else { Issue.record("\(out.all)"); return }
        }
    }

    @Test func eventsReadInLineModeAsBefore() {
        #expect(SessionEvent.created(name: "p-1", from: "img", fromPool: true).lineText?.text == "created p-1 (img, ready from the pool), now current\n")
        #expect(SessionEvent.stderr("x").lineText?.channel == .err)
        #expect(SessionEvent.execStarted(command: "x", sandbox: "s").lineText == nil)
        #expect(SessionEvent.failed(SandboxError.invalidArgument("bad")).lineText?.text == "error: bad\n")
    }
}
