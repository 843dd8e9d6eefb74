import Foundation

/// Where the Docker daemon listens, parsed from `DOCKER_HOST` (`unix://PATH` or `tcp://HOST:PORT`).
public enum DockerHost: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    public static let defaultSocket = "/var/run/docker.sock"

    /// The daemon named by `DOCKER_HOST`, else the default socket.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> DockerHost {
        guard let value = env["DOCKER_HOST"], !value.isEmpty else { return .unix(path: defaultSocket) }
        return try parse(value)
    }

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
        if value.hasPrefix("/") { return .unix(path: value) }
        throw DockerError.invalidHost(value, reason: "only unix:// and tcp:// are supported (TLS and ssh:// are not)")
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        }
    }

    /// The URL prefix AsyncHTTPClient understands for this daemon.
    var baseURL: String {
        switch self {
        case .unix(let path):
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? path
            return "http+unix://\(encoded)"
        case .tcp(let host, let port):
            return "http://\(host):\(port)"
        }
    }
}
