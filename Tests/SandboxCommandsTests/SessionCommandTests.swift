import DockerEngine
import Foundation
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// Every row of the command table through a session against the real daemon, by the typed events
/// it reports. A new row fails `everyRow` until it has a check here.
extension SessionTests {
    typealias Check = @Sendable (Session, Recorder) async throws -> Void

    @Test(arguments: CommandTable.all.map { $0.name })
    func everyRow(_ row: String) async throws {
        let check = try #require(Self.checks[row] ?? Self.jobChecks[row] ?? Self.demoChecks[row] ?? Self.networkChecks[row] ?? Self.snapshotChecks[row], "no session check for the '\(row)' row of CommandTable")
        try await withSession(check)
    }

    /// Makes a sandbox current with `new`; its name.
    static func new(_ session: Session, _ out: Recorder) async throws -> String {
        #expect(await session.perform(.new(image), output: out) == 0)
        guard case .created(let name, _, _) = out.take().last else { throw Missing(event: "created") }
        return name
    }

    struct Missing: Error, CustomStringConvertible {
        var event: String
        var description: String { "no .\(event) event" }
    }

    static let checks: [String: Check] = [
        "new": { session, out in
            #expect(await session.perform(.new(image), output: out) == 0)
            let events = out.take()
            guard events.count == 1, case .created(let name, image, fromPool: false) = events[0] else { Issue.record("\(events)"); return }
            #expect(await session.currentName == name)
        },
        "use": { session, out in
            let other = DockerSandbox(image: image, labels: ["sandbox.test": "true"])
            try await other.start()
            #expect(await session.perform(.use(other.name), output: out) == 0)
            guard case .using(other.name)? = out.take().last else { Issue.record("no .using"); return }
            #expect(await session.currentName == other.name)
            try await other.stop()
        },
        "open": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.write(path: "o.txt", terminator: "EOF", content: "opened\n"), output: out) == 0)
            await session.setCurrentFile(nil)
            _ = out.take()
            #expect(await session.perform(.open("o.txt"), output: out) == 0)
            guard case .fileShown("o.txt", "opened\n")? = out.take().last else { Issue.record("no .fileShown"); return }
            #expect(await session.currentFile == "o.txt", "open makes the file the one `run` runs")
        },
        "save": { session, out in
            #expect(await session.perform(.save, output: out) == 1)
            guard case .needsEditor(let spec)? = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "save")
        },
        "run": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.run("echo ran"), output: out) == 0)
            var events = out.take()
            guard case .execStarted("echo ran", name)? = events.first, case .execFinished(let exit)? = events.last else {
                Issue.record("\(events)"); return
            }
            #expect(exit.exitCode == 0 && events.contains { if case .stdout("ran\n") = $0 { true } else { false } })
            #expect(await session.perform(.write(path: "t.sh", terminator: "EOF", content: "echo by-extension\n"), output: out) == 0)
            _ = out.take()
            #expect(await session.perform(.run("t.sh"), output: out) == 0)
            events = out.take()
            guard case .execStarted("sh t.sh", _)? = events.first else { Issue.record("a .sh file runs with sh: \(events)"); return }
            #expect(events.contains { if case .stdout("by-extension\n") = $0 { true } else { false } })
        },
        "exec": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.exec("exit 4"), output: out) == 4)
            guard case .execFinished(let exit)? = out.take().last else { Issue.record("no .execFinished"); return }
            #expect(exit.exitCode == 4 && !exit.timedOut)
        },
        "ls": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.write(path: "d/x.txt", terminator: "EOF", content: "x"), output: out) == 0)
            _ = out.take()
            #expect(await session.perform(.ls("d"), output: out) == 0)
            guard case .listing(let text)? = out.take().last else { Issue.record("no .listing"); return }
            #expect(text.hasSuffix("x.txt\n"), "\(text)")
        },
        "cat": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.write(path: "c.txt", terminator: "EOF", content: "cat me"), output: out) == 0)
            _ = out.take()
            #expect(await session.perform(.cat("c.txt"), output: out) == 0)
            guard case .fileShown("c.txt", "cat me")? = out.take().last else { Issue.record("no .fileShown"); return }
        },
        "write": { session, out in
            _ = try await new(session, out)
            #expect(await session.perform(.write(path: "w.txt", terminator: "EOF", content: "é\n"), output: out) == 0)
            guard case .wrote("w.txt", 3)? = out.take().last else { Issue.record("bytes, not characters"); return }
            #expect(await session.currentFile == "w.txt")
        },
        "ps": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.ps, output: out) == 0)
            guard case .listing(let text)? = out.take().last else { Issue.record("no .listing"); return }
            #expect(text.contains(name), "\(text)")
        },
        "stop": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.stop(nil), output: out) == 0)
            guard case .stopped(name)? = out.take().last else { Issue.record("no .stopped"); return }
            #expect(try await session.engine.list().first { $0.name == name }?.state == .exited)
        },
        "rm": { session, out in
            let name = try await new(session, out)
            #expect(await session.perform(.rm(name), output: out) == 0)
            guard case .removed(name)? = out.take().last else { Issue.record("no .removed"); return }
            #expect(await session.currentName == nil)
            #expect(try await !session.engine.list(all: true).contains { $0.name == name })
        },
        "runtimes": { session, out in
            #expect(await session.perform(.runtimes, output: out) == 0)
            guard case .listing(let text)? = out.take().last else { Issue.record("no .listing"); return }
            for name in RuntimeRegistry.standard.names { #expect(text.contains(name), "\(name) missing from:\n\(text)") }
        },
        "theme": { session, out in
            #expect(await session.perform(.theme("light"), output: out) == 1)
            guard case .needsEditor(let spec)? = out.take().last else { Issue.record("no .needsEditor"); return }
            #expect(spec.name == "theme")
        },
        "shell": { session, out in
            // Without a terminal to hand over the session refuses; with one, the front end opens it here.
            #expect(await session.perform(.shell(nil), output: out) == 1)
            guard case .needsTerminal(let spec)? = out.take().last else { Issue.record("no .needsTerminal"); return }
            #expect(spec.name == "shell")
            let name = try await new(session, out)
            let (sandbox, shown, shell) = try await session.openShell("echo on-$((40+2)); exit 7", rows: 24, columns: 80, term: "xterm", output: out)
            #expect(sandbox.name == name && shown == name)
            var text = ""
            for await chunk in shell.output { text += String(decoding: chunk, as: UTF8.self) }
            #expect(text.contains("on-42"), "\(text)")
            #expect(try await shell.exitCode() == 7)
        },
        "help": { session, out in
            #expect(await session.perform(.help(nil), output: out) == 0)
            guard case .help(topic: nil)? = out.take().last else { Issue.record("no .help"); return }
        },
        "quit": { session, out in
            #expect(await session.perform(.quit, output: out) == 0)
            #expect(out.take().isEmpty, "quitting is the front end's")
        },
    ]

    @Test func aCommandWithNoCurrentSandboxMakesOneFromTheDefaultImage() async throws {
        try await withSession { session, out in
            _ = await session.perform(.exec("true"), output: out)
            let events = out.take()
            guard case .creatingDefault(DockerSandbox.defaultImage)? = events.first else { Issue.record("\(events)"); return }
            // The default image may be absent here (no registry): then the failure names it.
            switch events.dropFirst().first {
            case .created(_, DockerSandbox.defaultImage, _)?: break
            case .failed(SandboxError.imageUnavailable(DockerSandbox.defaultImage, _))?: break
            default: Issue.record("\(events)")
            }
        }
    }

    @Test func stopAndRmWithNothingCurrentAskForAName() async throws {
        try await withSession { session, out in
            for command in [Command.stop(nil), .rm(nil)] {
                #expect(await session.perform(command, output: out) == 1)
                guard case .failed(SandboxError.invalidArgument(let message))? = out.take().last else { Issue.record("\(command)"); return }
                #expect(message.contains("no current sandbox"))
            }
        }
    }

    @Test func newFromARuntimeReportsItsBuild() async throws {
        let config = RuntimeConfig(name: "session-rt", baseImage: Self.image,
                                   setupCommands: ["echo \(UUID().uuidString.prefix(8)) > /etc/marker"])
        let session = Session(engine: try SandboxEngine(), creator: .repl, runtimes: RuntimeRegistry([config]))
        let out = Recorder()
        #expect(await session.perform(.new("session-rt"), output: out) == 0)
        let events = out.take()
        await session.shutdown()
        try await DockerClient.shared().removeImage(RuntimeImage.tag(for: config), force: true)
        let steps = events.compactMap { if case .buildProgress(let progress) = $0 { progress } else { nil } }
        #expect(!steps.isEmpty && steps.allSatisfy { $0.runtime == "session-rt" }, "\(events)")
        guard case .created(_, "session-rt", false)? = events.last else { Issue.record("\(events)"); return }
    }

    @Test func newTakesAWaitingSandboxFromThePool() async throws {
        let pool = SandboxPool(size: 1)
        await pool.prepare(like: DockerSandbox(image: Self.image, createdBy: .repl))
        let deadline = ContinuousClock.now + .seconds(60)
        while await pool.waitingCount < 1 {
            try #require(ContinuousClock.now < deadline, "the pool never had a sandbox waiting")
            try await Task.sleep(for: .milliseconds(50))
        }
        let session = Session(engine: try SandboxEngine(), creator: .repl, pool: pool)
        let out = Recorder()
        #expect(await session.perform(.new(Self.image), output: out) == 0)
        let events = out.take()
        await session.shutdown()
        guard case .created(_, Self.image, fromPool: true)? = events.last else { Issue.record("\(events)"); return }
    }
}
