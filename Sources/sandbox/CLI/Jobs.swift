import ArgumentParser
import Foundation
import SandboxCommands
import SandboxKit

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the output of a sandbox's background jobs (the last MiB each keeps in the sandbox).",
        usage: "sandbox logs NAME [JOB] [-f] | sandbox logs NAME --egress [-f]")

    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "The job's number (`sandbox exec --detach` printed it); all jobs when left out.") var job: Int?
    @Flag(name: .shortAndLong, help: "Keep printing as the job prints, until it ends or Ctrl-C (without JOB: the newest job).") var follow = false
    @Flag(help: "Print what the sandbox was denied on the network (names, hosts, addresses) instead of a job's output.") var egress = false

    func validate() throws {
        if egress && job != nil { throw ValidationError("--egress prints the sandbox's network record, not a job's: give one of them") }
    }

    func run() async throws {
        let sandbox = try await EngineChoice.sandbox(name)
        if egress { return try await printEgress(of: sandbox) }
        let jobs = try await sandbox.jobs()
        guard let chosen = job ?? (follow ? jobs.last?.id : nil) else {
            if jobs.isEmpty { Terminal.err("no background jobs in \(name); start one with `sandbox exec --detach \(name) -- CMD`\n") }
            for (index, job) in jobs.enumerated() {
                Terminal.out((index == 0 ? "" : "\n") + "==> job \(job.id) (\(job.state)): \(job.command) <==\n")
                Terminal.out(try await sandbox.jobLog(job.id))
            }
            return
        }
        guard follow else { return Terminal.out(try await sandbox.jobLog(chosen)) }
        do {
            try await Interrupts.cancellable {
                for try await text in sandbox.followJob(chosen) { Terminal.out(text) }
            }
        } catch is CancellationError {}
    }

    private func printEgress(of sandbox: DockerSandbox) async throws {
        let (records, start) = sandbox.egressRecords()
        if records.isEmpty && !follow { Terminal.err("nothing denied to \(name) is recorded\n") }
        for record in records { Terminal.out(record.line + "\n") }
        guard follow else { return }
        do {
            try await Interrupts.cancellable {
                var next = start
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    let more: [EgressRecord]
                    (more, next) = sandbox.egressRecords(from: next)
                    for record in more { Terminal.out(record.line + "\n") }
                }
            }
        } catch is CancellationError {}
    }
}

struct Port: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward a port on this machine to a port inside a sandbox, until Ctrl-C (over the Docker API: no published ports needed).",
        usage: "sandbox port NAME PORT [--local [ADDR:]PORT]")

    @Argument(help: "The sandbox.") var name: String
    @Argument(help: "The TCP port inside the sandbox.") var port: Int
    @Option(help: "Where to listen here: PORT or ADDR:PORT (default 127.0.0.1 and the sandbox's port; port 0 picks a free one).")
    var local: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("the port must be from 1 to 65535") }
        _ = try listenAddress()
    }

    /// `--local` as a host and port: `PORT`, `ADDR:PORT` or `[IPv6]:PORT`.
    func listenAddress() throws -> (host: String, port: Int) {
        guard let local else { return ("127.0.0.1", port) }
        var host = "127.0.0.1", portText = Substring(local)
        if let colon = local.lastIndex(of: ":") {
            host = String(local[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            portText = local[local.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(portText), (0...65535).contains(number) else {
            throw ValidationError("--local takes PORT or ADDR:PORT with a port from 0 to 65535, not '\(local)'")
        }
        return (host, number)
    }

    func run() async throws {
        let (host, localPort) = try listenAddress()
        let sandbox = try await EngineChoice.sandbox(name)
        let forward = try await PortForward.open(sandbox, port: port, localHost: host, localPort: localPort) { problem in
            Terminal.error(problem)
        }
        Terminal.out("forwarding \(forward.localAddress) to port \(port) in \(name); Ctrl-C stops\n")
        do {
            try await Interrupts.cancellable {
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {}
        await forward.close()
    }
}
