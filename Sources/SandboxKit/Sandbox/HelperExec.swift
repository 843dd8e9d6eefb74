import DockerEngine
import Foundation
import NIOCore

/// A command of the engine's own in a container (a plain `docker exec`, as the container's user):
/// reading an OOM count, ending a command, placing the runner. What it runs lives in the sandbox,
/// where code may have replaced it with something that never ends or prints forever: each run
/// has a deadline and keeps at most `cap` bytes of stdout, and a failure of any kind is nil.
struct HelperExec {
    var argv: [String]
    var environment: [String] = []
    /// Written to its stdin, which is then closed.
    var input: Data?
    var deadline = DockerSandbox.helperDeadline
    var cap = 64 * 1024

    struct Result: Sendable {
        /// What it printed, up to the cap.
        var stdout: String
        /// It printed more than the cap (the rest was not read).
        var overflowed: Bool
        /// Its exit code, once the daemon has it.
        var exitCode: Int?
    }

    func run(in container: String, client: DockerClient) async -> Result? {
        let (argv, environment, input, cap) = (argv, environment, input, cap)
        let result = await withDeadline(deadline) { () -> Result? in
            guard let exec = try? await client.createExec(container: container, .init(cmd: argv, env: environment, attachStdin: input != nil)) else {
                return nil
            }
            var collected = Self.Collected(cap: cap)
            do {
                if let input {
                    try await client.withAttachedExec(exec) { output, stdin in
                        var offset = input.startIndex
                        while offset < input.endIndex {
                            let end = min(input.endIndex, offset + 256 * 1024)
                            try await stdin.write(ByteBuffer(bytes: input[offset..<end]))
                            offset = end
                        }
                        stdin.finish()
                        while !collected.full, let frame = try await output.next() { collected.take(frame) }
                    }
                } else {
                    for try await frame in try await client.startExec(exec) {
                        collected.take(frame)
                        if collected.full { break }
                    }
                }
            } catch {
                return nil
            }
            let code = collected.full ? nil : (try? await client.inspectExec(exec))?.exitCode
            return Result(stdout: collected.text, overflowed: collected.full, exitCode: code)
        }
        return result ?? nil
    }

    private struct Collected {
        let cap: Int
        var text = ""
        var decoder = UTF8StreamDecoder()
        var full = false

        mutating func take(_ frame: OutputFrame) {
            guard frame.stream == .stdout, !full else { return }
            text += decoder.decode(frame.bytes)
            if text.utf8.count > cap { full = true }
        }
    }
}
