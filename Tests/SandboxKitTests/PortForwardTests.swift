import DockerEngine
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SandboxKit
import Testing

/// A port of this machine forwarded into a sandbox over the Docker API (runner/connect.c).
@Suite(.timeLimit(.minutes(3)), .enabled(if: RunnerMode.on)) struct PortForwardTests {
    /// A web server as a job in /srv, answering once this returns.
    static func serve(_ sandbox: DockerSandbox) async throws {
        _ = try await sandbox.execute("mkdir -p /srv && echo hello > /srv/a.txt && head -c 10485760 /dev/urandom > /srv/big.bin")
        _ = try await sandbox.startJob("cd /srv && exec python3 -m http.server 8000")
        try await listening(sandbox, 8000)
    }

    /// Returns once something accepts connections on `port` in the sandbox; fails after ten seconds of trying.
    static func listening(_ sandbox: DockerSandbox, _ port: Int) async throws {
        let probe = "import socket; socket.create_connection(('127.0.0.1', \(port)))"
        let ready = try await sandbox.execute("for i in $(seq 200); do python3 -c \"\(probe)\" 2>/dev/null && exit 0; sleep 0.05; done; exit 1")
        try #require(ready.exitCode == 0, "nothing listens on \(port) in the sandbox")
    }

    static func get(_ url: String) async throws -> (Data, Int) {
        let (data, response) = try await URLSession(configuration: .ephemeral).data(from: try #require(URL(string: url)))
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    @Test func aWebServerInTheSandboxAnswersHereConcurrentlyAndIntact() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            try await Self.serve(sandbox)
            let forward = try await PortForward.open(sandbox, port: 8000)
            let base = "http://\(forward.localAddress)"
            let (listing, status) = try await Self.get(base + "/")
            #expect(status == 200 && String(decoding: listing, as: UTF8.self).contains("a.txt"))
            let answers = try await withThrowingTaskGroup(of: (Data, Int).self) { group in
                for _ in 0..<20 { group.addTask { try await Self.get(base + "/a.txt") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 20 && answers.allSatisfy { $0.1 == 200 && $0.0 == Data("hello\n".utf8) })
            let (big, bigStatus) = try await Self.get(base + "/big.bin")
            #expect(bigStatus == 200 && big.count == 10 * 1024 * 1024)
            #expect(big == (try await sandbox.readData("/srv/big.bin")), "the 10 MiB download is intact")
            await forward.close()
            // The port is free again: another forward takes it.
            let again = try await PortForward.open(sandbox, port: 8000, localPort: forward.localPort)
            #expect(again.localPort == forward.localPort)
            await again.close()
        }
    }

    @Test func aClientThatFinishesSendingStillGetsTheAnswer() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            // Counts what it receives until end of input, then answers with the count.
            let server = """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 9000)); s.listen()
            while True:
                c, _ = s.accept(); n = 0
                while (b := c.recv(65536)): n += len(b)
                c.sendall(b'%d' % n); c.close()
            """
            try await sandbox.write("/tmp/count.py", server)
            _ = try await sandbox.startJob("exec python3 /tmp/count.py")
            try await Self.listening(sandbox, 9000)
            let forward = try await PortForward.open(sandbox, port: 9000)
            let answer = try Self.sendAndHalfClose(Data(repeating: 7, count: 3_000_000), to: forward.localPort)
            #expect(answer == "3000000")
            await forward.close()
        }
    }

    @Test func nothingListeningIsReportedAndTheClientSeesTheEnd() async throws {
        try await withSandbox { (sandbox: DockerSandbox) async throws in
            let problems = AsyncStream<String>.makeStream()
            let forward = try await PortForward.open(sandbox, port: 8123) { problems.continuation.yield($0) }
            #expect(try Self.sendAndHalfClose(Data("x".utf8), to: forward.localPort) == "")
            var iterator = problems.stream.makeAsyncIterator()
            let problem = await iterator.next()
            #expect(problem?.contains("nothing accepts connections on port 8123") == true, "\(String(describing: problem))")
            await forward.close()
        }
    }

    /// Connects to a local port, sends `data` (as much as the other end takes), half-closes, and
    /// reads the answer to its end.
    static func sendAndHalfClose(_ data: Data, to port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        data.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count, let base = bytes.baseAddress {
                let n = send(fd, base + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                sent += n
            }
        }
        shutdown(fd, Int32(SHUT_WR))
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
