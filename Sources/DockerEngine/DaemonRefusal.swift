/// What a daemon's error answer is about, told once from its words (the API gives a status and a
/// message, and Docker and Podman word them differently), so no caller matches text.
public enum DaemonRefusal: Equatable, Sendable {
    case noSuchImage
    case noSuchContainer
    /// A container name that another container has.
    case nameInUse
    /// A bind mount's source is not on the daemon's machine (a daemon in a VM, say).
    case bindSourceMissing
    /// Podman asked for `Init: true` without its init binary (catatonit).
    case initMissing
    /// An archive upload would replace a directory with a file.
    case directoryInTheWay
    /// A path goes through something that is not a directory.
    case notADirectory
    case readOnlyFileSystem
    /// A pull reached no registry.
    case registryUnreachable
    case other
}

extension DockerError {
    /// The daemon's own words, for an answer of the daemon's; nil for errors of ours.
    public var daemonMessage: String? {
        switch self {
        case .api(_, let text), .notFound(let text), .conflict(let text): text
        default: nil
        }
    }

    /// What this answer of the daemon's is about; `.other` for anything but an answer.
    public var refusal: DaemonRefusal {
        guard let message = daemonMessage else { return .other }
        let lower = message.lowercased()
        // Podman 4.x: "container-init binary not found on the host"; later: "lookup init binary".
        if lower.contains("container-init binary not found") || lower.contains("lookup init binary") { return .initMissing }
        if lower.contains("no such image") { return .noSuchImage }
        if lower.contains("no such container") { return .noSuchContainer }
        if case .conflict = self, lower.contains("already in use") { return .nameInUse }
        if lower.contains("bind source path does not exist") { return .bindSourceMissing }
        if lower.contains("cannot overwrite directory") { return .directoryInTheWay }
        if lower.contains("not a directory") { return .notADirectory }
        if lower.contains("read-only") { return .readOnlyFileSystem }
        if ["dial tcp", "lookup", "timeout", "connection refused"].contains(where: lower.contains) { return .registryUnreachable }
        return .other
    }
}
