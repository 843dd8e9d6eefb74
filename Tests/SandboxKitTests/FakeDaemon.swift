import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A stand-in for a daemon (or a proxy in front of one) on a unix socket of its own, for what
/// the real one cannot be made to do. Each request's head goes to `answer`, which returns the
/// whole response, or nil to hold the connection open and never answer. Plain sockets and
/// threads: nothing of the code under test serves it.
final class FakeDaemon: Sendable {
    let path = NSTemporaryDirectory() + "sandbox-fake-\(UUID().uuidString.prefix(8)).sock"
    /// The request heads received, in order.
    let requests = Mutex<[String]>([])
    private let sockets = Mutex<[Int32]>([])
    private let answer: @Sendable (String) -> String?

    init(answer: @escaping @Sendable (String) -> String?) throws {
        self.answer = answer
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = self.path
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path.utf8.prefix(raw.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard listener >= 0, bound == 0, listen(listener, 16) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        sockets.withLock { $0.append(listener) }
        Thread { [self] in acceptConnections(listener) }.start()
    }

    /// A `200` with `body` (JSON), `headers` added.
    static func ok(_ body: String, headers: String = "") -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The answer to `GET /_ping`, which every client asks first.
    static let ping = ok("OK", headers: "Api-Version: 1.41\r\n")

    /// Closes the listener and every connection (their threads then end).
    func stop() {
        for fd in sockets.withLock({ $0 }) {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        unlink(path)
    }

    private func acceptConnections(_ listener: Int32) {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            sockets.withLock { $0.append(connection) }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return }
            received += chunk[..<count]
            while let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.upperBound], as: UTF8.self)
                received.removeSubrange(..<end.upperBound)
                requests.withLock { $0.append(head) }
                guard let response = answer(head) else { continue }  // held: never answered
                var bytes = Array(response.utf8)[...]
                while !bytes.isEmpty {
                    let written = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                    if written <= 0 { return }
                    bytes = bytes.dropFirst(written)
                }
            }
        }
    }
}
