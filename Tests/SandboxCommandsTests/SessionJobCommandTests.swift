import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import SandboxCommands
@testable import SandboxKit

/// The job and port rows through a session (``SessionTests/everyRow(_:)`` runs these).
extension SessionTests {
    /// Starts `command` as a job of a new current sandbox; its number.
    static func job(_ session: Session, _ out: Recorder, _ command: String) async throws -> Int {
        _ = try await new(session, out)
        #expect(await session.perform(.bg(command), output: out) == 0)
        guard case .jobStarted(let id, command, _)? = out.take().last else { throw Missing(event: "jobStarted") }
        return id
    }

    static let jobChecks: [String: Check] = [
        "bg": { session, out in
            let id = try await job(session, out, "echo in-the-background")
            #expect(id == 1)
            #expect(try CommandParser.parse("run --bg sleep 1") == .bg("sleep 1"))
        },
        "jobs": { session, out in
            _ = try await job(session, out, "sleep 30")
            #expect(await session.perform(.jobs, output: out) == 0)
            guard case .listing(let text)? = out.take().last else { Issue.record("no .listing"); return }
            #expect(text.hasPrefix("JOB  STATE    PID") && text.contains("running") && text.hasSuffix("sleep 30\n"), "\(text)")
        },
        "kill": { session, out in
            let id = try await job(session, out, "sleep 30")
            #expect(await session.perform(.kill(id), output: out) == 0)
            guard case .jobKilled(id, _)? = out.take().last else { Issue.record("no .jobKilled"); return }
            #expect(await session.perform(.kill(id), output: out) == 1, "it has ended")
            #expect(throws: CommandError.self) { try CommandParser.parse("kill one") }
        },
        "logs": { session, out in
            let id = try await job(session, out, "echo logged; sleep 30")
            var text = ""
            for _ in 0..<250 where text.isEmpty {
                #expect(await session.perform(.logs(nil), output: out) == 0)
                guard case .jobLog(id, _, let log)? = out.take().last else { Issue.record("no .jobLog"); return }
                text = log
                if text.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(text == "logged\n")
            #expect(await session.perform(.logs(id + 5), output: out) == 1)
        },
        "port": { session, out in
            _ = try await job(session, out, "mkdir -p /srv && echo served > /srv/f && exec busybox httpd -f -p 127.0.0.1:8000 -h /srv")
            let sandbox = try #require(await session.current)
            let ready = try await sandbox.execute("for i in $(seq 200); do wget -qO /dev/null http://127.0.0.1:8000/f && exit 0; sleep 0.05; done; exit 1")
            try #require(ready.exitCode == 0, "the server did not start: \(ready.output)")
            #expect(await session.perform(.port(8000, close: false), output: out) == 0)
            guard case .forwardOpened(sandbox.name, 8000, let local)? = out.take().last else { Issue.record("no .forwardOpened"); return }
            let (data, _) = try await URLSession(configuration: .ephemeral).data(from: try #require(URL(string: "http://\(local)/f")))
            #expect(String(decoding: data, as: UTF8.self) == "served\n")
            #expect(await session.perform(.port(8000, close: true), output: out) == 0)
            guard case .forwardClosed(sandbox.name, 8000)? = out.take().last else { Issue.record("no .forwardClosed"); return }
            #expect(await session.perform(.port(8000, close: true), output: out) == 1, "no longer forwarded")
            #expect(try CommandParser.parse("port -d 8000") == .port(8000, close: true))
            #expect(throws: CommandError.self) { try CommandParser.parse("port 70000") }
        },
    ]
}
