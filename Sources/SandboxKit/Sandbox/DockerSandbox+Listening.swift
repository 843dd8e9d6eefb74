import Foundation

extension DockerSandbox {
    /// Whether a process in the sandbox listens on TCP `port` (any address, IPv4 or IPv6): the
    /// kernel's socket tables, read as files (through the runner, which reads `/proc` files to
    /// their end whatever size they report; no shell or tool of the image runs, and no connection
    /// is opened: a probe would reach the server as a request).
    public func listens(on port: Int) async throws -> Bool {
        let v4 = try await readData("/proc/net/tcp")
        let v6 = try? await readData("/proc/net/tcp6")  // none where the kernel has no IPv6
        return Self.listeningPorts(String(decoding: v4 + (v6 ?? Data()), as: UTF8.self)).contains(port)
    }

    /// The ports in LISTEN state (`0A`) in `/proc/net/tcp` text: `sl local_address rem_address st …`,
    /// with the local address as `HEXADDR:HEXPORT`. Lines that do not parse are skipped (the text
    /// comes from inside the sandbox).
    static func listeningPorts(_ table: String) -> Set<Int> {
        var ports = Set<Int>()
        for line in table.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count > 3, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                  let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) else { continue }
            ports.insert(port)
        }
        return ports
    }
}
