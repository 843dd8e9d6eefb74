import Foundation

/// Errors from talking to the daemon, worded for the person reading them.
public enum DockerError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case invalidHost(String, reason: String)
    case daemonUnreachable(DockerHost, detail: String)
    /// The daemon answers, but not this request before its deadline (overloaded, or stuck).
    case timedOut(DockerHost, detail: String)
    /// Every connection this client keeps to the daemon stayed in use until the request's deadline.
    case busy(DockerHost, detail: String)
    case permissionDenied(DockerHost)
    case api(status: Int, message: String)
    case notFound(String)
    case conflict(String)
    case malformedResponse(String)
    /// The endpoint's TLS client certificate or key could not be read (a path, what is wrong).
    case unreadableTLSFile(String, reason: String)

    public var description: String {
        switch self {
        case .invalidHost(let value, let reason):
            "DOCKER_HOST=\(value) is not usable: \(reason)"
        case .daemonUnreachable(let host, let detail):
            "Docker daemon not reachable at \(host) (is dockerd running?)" + (detail.isEmpty ? "" : ": \(detail)")
        case .timedOut(let host, let detail):
            "the Docker daemon at \(host) did not answer in time (\(detail)); it may be overloaded or stuck"
        case .busy(let host, let detail):
            "too many requests at once to the Docker daemon at \(host): \(detail)"
        case .permissionDenied(let host):
            "permission denied on \(host): run as root or add your user to the docker group"
        case .api(let status, let message):
            "Docker API error \(status): \(message)"
        case .notFound(let message), .conflict(let message):
            message
        case .malformedResponse(let what):
            "unexpected answer from the Docker daemon: \(what)"
        case .unreadableTLSFile(let path, let reason):
            "cannot use the TLS file \(path) (DOCKER_CERT_PATH, or the context's TLS directory): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
