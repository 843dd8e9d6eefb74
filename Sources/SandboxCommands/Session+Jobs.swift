import Foundation
import SandboxKit

/// A forwarded port of a session: the sandbox and the port in it.
struct ForwardKey: Hashable, Sendable {
    var sandbox: String
    var port: Int
}

/// `bg`, `jobs`, `kill`, `logs` and `port` on the current sandbox.
extension Session {
    func jobOrPort(_ command: Command, output: some SessionOutput) async throws {
        let sandbox = try await currentSandbox(output)
        switch command {
        case .bg(let shell):
            output.handle(.jobStarted(id: try await sandbox.startJob(shell), command: shell, sandbox: sandbox.name))
        case .jobs:
            output.handle(.listing(Format.jobs(try await sandbox.jobs())))
        case .kill(let id):
            try await sandbox.killJob(id)
            output.handle(.jobKilled(id: id, sandbox: sandbox.name))
        case .logs(let id):
            let newest = id == nil ? try await sandbox.jobs().last?.id : nil
            guard let id = id ?? newest else {
                throw SandboxError.invalidArgument("no background jobs in \(sandbox.name); bg CMD starts one")
            }
            output.handle(.jobLog(id: id, sandbox: sandbox.name, text: try await sandbox.jobLog(id)))
        case .port(let port, let close):
            let key = ForwardKey(sandbox: sandbox.name, port: port)
            if close {
                guard let forward = forwards.removeValue(forKey: key) else {
                    throw SandboxError.invalidArgument("port \(port) of \(sandbox.name) is not forwarded")
                }
                await forward.close()
                output.handle(.forwardClosed(sandbox: sandbox.name, port: port))
                return
            }
            if let open = forwards[key] {
                return output.handle(.forwardOpened(sandbox: sandbox.name, port: port, local: open.localAddress))
            }
            let report: @Sendable (String) -> Void = { output.handle(.forwardProblem(sandbox: sandbox.name, port: port, message: $0)) }
            // The same port here when it is free, else any.
            let forward: PortForward
            if let same = try? await PortForward.open(sandbox, port: port, localPort: port, onProblem: report) {
                forward = same
            } else {
                forward = try await PortForward.open(sandbox, port: port, onProblem: report)
            }
            forwards[key] = forward
            output.handle(.forwardOpened(sandbox: sandbox.name, port: port, local: forward.localAddress))
        default:
            break
        }
    }

    func closeForwards() async {
        for forward in forwards.values { await forward.close() }
        forwards.removeAll()
    }
}
