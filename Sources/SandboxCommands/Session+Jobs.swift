import Foundation
import SandboxKit

/// A forwarded port of a session: the sandbox (its full name: `NAME@CONTEXT` on another engine,
/// which may hold one of the same name) and the port in it.
struct ForwardKey: Hashable, Sendable {
    var sandbox: String
    var port: Int
}

/// `bg`, `jobs`, `kill`, `logs` and `port` on the current sandbox.
extension Session {
    func jobOrPort(_ command: Command, output: some SessionOutput) async throws {
        // Events name it in full, as the console's list and tabs do.
        let (sandbox, name) = try await currentSandbox(output)
        switch command {
        case .bg(let shell):
            output.handle(.jobStarted(id: try await sandbox.startJob(shell), command: shell, sandbox: name))
        case .jobs:
            output.handle(.listing(Format.jobs(try await sandbox.jobs())))
        case .kill(let id):
            try await sandbox.killJob(id)
            output.handle(.jobKilled(id: id, sandbox: name))
        case .logs(let id):
            let newest = id == nil ? try await sandbox.jobs().last?.id : nil
            guard let id = id ?? newest else {
                throw SandboxError.invalidArgument("no background jobs in \(name); bg CMD starts one")
            }
            output.handle(.jobLog(id: id, sandbox: name, text: try await sandbox.jobLog(id)))
        case .port(let port, let close):
            let key = ForwardKey(sandbox: name, port: port)
            if close {
                guard let forward = forwards.removeValue(forKey: key) else {
                    throw SandboxError.invalidArgument("port \(port) of \(name) is not forwarded")
                }
                await forward.close()
                output.handle(.forwardClosed(sandbox: name, port: port))
                return
            }
            try await forward(sandbox, as: name, port: port, output: output)
        default:
            break
        }
    }

    /// Forwards `port` of `sandbox` here (the same port when it is free, else any), or finds the
    /// forward already open; reports where it listens. `name` is its full name (nil: a sandbox of
    /// the primary engine, named bare).
    @discardableResult
    func forward(_ sandbox: DockerSandbox, as name: String? = nil, port: Int, output: some SessionOutput) async throws -> PortForward {
        let name = name ?? sandbox.name
        let key = ForwardKey(sandbox: name, port: port)
        if let open = forwards[key] {
            output.handle(.forwardOpened(sandbox: name, port: port, local: open.localAddress))
            return open
        }
        let report: @Sendable (String) -> Void = { output.handle(.forwardProblem(sandbox: name, port: port, message: $0)) }
        let forward: PortForward
        if let same = try? await PortForward.open(sandbox, port: port, localPort: port, onProblem: report) {
            forward = same
        } else {
            forward = try await PortForward.open(sandbox, port: port, onProblem: report)
        }
        forwards[key] = forward
        output.handle(.forwardOpened(sandbox: name, port: port, local: forward.localAddress))
        return forward
    }

    func closeForwards() async {
        for forward in forwards.values { await forward.close() }
        forwards.removeAll()
    }
}
