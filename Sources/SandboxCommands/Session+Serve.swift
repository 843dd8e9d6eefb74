import Foundation
import SandboxKit

/// A demo whose sample is a server (its runtime names the port).
extension Session {
    /// How long a sample's server may take to listen (a first import of a web framework is slow).
    static let serverStartLimit = Duration.seconds(60)

    /// Starts the sample as a job of its sandbox, forwards its port here, and reports the URL once
    /// the server listens; a job that ends first is the failure, with where its output is.
    public func serve(_ demo: Demo, output: some SessionOutput) async throws {
        guard let port = demo.port else { return }
        let sandbox = try await engine.sandbox(named: demo.sandbox)
        let job = try await sandbox.startJob(demo.command)
        output.handle(.jobStarted(id: job, command: demo.command, sandbox: sandbox.name))
        let forward = try await forward(sandbox, port: port, output: output)
        do {
            try await waitUntilListening(sandbox, job: job, port: port)
        } catch {
            // Nothing serves there: the forward goes with the failure (or the cancel).
            let key = ForwardKey(sandbox: sandbox.name, port: port)
            if forwards[key] === forward {
                forwards[key] = nil
                await forward.close()
                output.handle(.forwardClosed(sandbox: sandbox.name, port: port))
            }
            throw error
        }
        output.handle(.serving(sandbox: sandbox.name, job: job, url: "http://\(forward.localAddress)/"))
    }

    /// Polls the kernel's socket table until `port` listens; the job's state about once a second
    /// (an exec each time), since a job that ended will never listen.
    private func waitUntilListening(_ sandbox: DockerSandbox, job: Int, port: Int) async throws {
        let deadline = ContinuousClock.now + Self.serverStartLimit
        var nextJobCheck = ContinuousClock.now
        while try await !sandbox.listens(on: port) {
            if ContinuousClock.now >= nextJobCheck {
                nextJobCheck = .now + .seconds(1)
                if let ended = try await sandbox.jobs().first(where: { $0.id == job }), ended.state != .running {
                    throw SandboxError.commandFailed(
                        "the sample's server (job \(job) in \(sandbox.name)) ended before it listened on port \(port) (\(ended.state)); logs \(job) shows why")
                }
            }
            guard ContinuousClock.now < deadline else {
                throw SandboxError.commandFailed(
                    "the sample's server (job \(job) in \(sandbox.name)) does not listen on port \(port) after \(Self.serverStartLimit.components.seconds) s; logs \(job) shows what it printed")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
