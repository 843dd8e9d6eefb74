import Foundation

/// Where the Docker daemon listens: `unix://PATH`, `tcp://HOST:PORT`, or
/// `ssh://[USER@]HOST[:PORT][/SOCKET]` (through `ssh … docker system dial-stdio`, as the docker CLI).
public enum DockerHost: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)
    case ssh(user: String?, host: String, port: Int?, socket: String?)

    public static let defaultSocket = "/var/run/docker.sock"

    public static func parse(_ value: String) throws -> DockerHost {
        if value.hasPrefix("unix://") {
            let path = String(value.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw DockerError.invalidHost(value, reason: "the socket path must be absolute") }
            return .unix(path: path)
        }
        if value.hasPrefix("tcp://") || value.hasPrefix("http://") {
            let rest = value.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            let authority = rest.count > 2 ? String(rest[2]) : ""
            guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
                  (1...65535).contains(port), colon != authority.startIndex
            else { throw DockerError.invalidHost(value, reason: "expected tcp://HOST:PORT") }
            return .tcp(host: String(authority[..<colon]), port: port)
        }
        if value.hasPrefix("ssh://") { return try parseSSH(value) }
        if value.hasPrefix("/") { return .unix(path: value) }
        throw DockerError.invalidHost(value, reason: "expected unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]")
    }

    private static func parseSSH(_ value: String) throws -> DockerHost {
        var rest = Substring(value.dropFirst("ssh://".count))
        var socket: String?
        if let slash = rest.firstIndex(of: "/") {
            socket = String(rest[slash...])
            rest = rest[..<slash]
        }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("[") || rest[..<colon].hasSuffix("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw DockerError.invalidHost(value, reason: "the port must be a number from 1 to 65535")
            }
            port = number
            rest = rest[..<colon]
        }
        let host = String(rest).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        // ssh takes these as words of its own command line: refuse anything it could read as an option.
        guard !host.isEmpty, !host.hasPrefix("-"), user.map({ !$0.isEmpty && !$0.hasPrefix("-") }) ?? true,
              !(host + (user ?? "") + (socket ?? "")).contains(where: { $0.isWhitespace || $0 == "\0" })
        else { throw DockerError.invalidHost(value, reason: "expected ssh://[USER@]HOST[:PORT]") }
        return .ssh(user: user, host: host, port: port, socket: socket)
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        case .ssh(let user, let host, let port, let socket):
            "ssh://" + (user.map { $0 + "@" } ?? "") + host + (port.map { ":\($0)" } ?? "") + (socket ?? "")
        }
    }
}
