import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A proxy on a unix socket of its own in front of the real daemon, passing everything through
/// but for the first request whose line matches `cut`: that one reaches the daemon, which does it,
/// and the connection is closed as its answer arrives, so the client never hears it (a lost
/// connection at the worst moment). Plain sockets and threads: nothing of the code under test.
final class CuttingProxy: Sendable {
    let path = NSTemporaryDirectory() + "sandbox-cut-\(UUID().uuidString.prefix(8)).sock"
    /// The request lines that were cut.
    let cutLines = Mutex<[String]>([])
    private let upstream: String
    private let cut: @Sendable (String) -> Bool
    private let sockets = Mutex<[Int32]>([])

    init(upstream: String = "/var/run/docker.sock", cut: @escaping @Sendable (String) -> Bool) throws {
        self.upstream = upstream
        self.cut = cut
        let listener = try Self.unixSocket(path, listen: true)
        sockets.withLock { $0.append(listener) }
        Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                guard let daemon = try? Self.unixSocket(self.upstream, listen: false) else { close(client); continue }
                sockets.withLock { $0 += [client, daemon] }
                let armed = Atomic(false)
                Thread { [self] in pump(from: client, to: daemon) { text in
                    let line = String(text.prefix { $0 != "\r" })
                    guard cutLines.withLock({ $0.isEmpty }), cut(line) else { return }
                    cutLines.withLock { $0.append(line) }
                    armed.store(true, ordering: .sequentiallyConsistent)
                } }.start()
                Thread { [self] in pump(from: daemon, to: client) { _ in
                    if armed.load(ordering: .sequentiallyConsistent) {
                        shutdown(client, Int32(SHUT_RDWR))
                        shutdown(daemon, Int32(SHUT_RDWR))
                    }
                } }.start()
            }
        }.start()
    }

    func stop() {
        for fd in sockets.withLock({ $0 }) {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        unlink(path)
    }

    /// Copies until either side ends; `look` sees each chunk before it goes on.
    private func pump(from source: Int32, to target: Int32, look: (String) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            look(String(decoding: buffer[..<count], as: UTF8.self))
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes { write(target, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                sent += written
            }
            if sent < count { break }
        }
        shutdown(target, Int32(SHUT_WR))
    }

    private static func unixSocket(_ path: String, listen listening: Bool) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path.utf8.prefix(raw.count - 1)) }
        let done = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                listening ? bind(fd, pointer, socklen_t(MemoryLayout<sockaddr_un>.size)) : connect(fd, pointer, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, done == 0, !listening || listen(fd, 64) == 0 else {
            let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            close(fd)
            throw error
        }
        return fd
    }
}
