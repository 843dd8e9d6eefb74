import Foundation

/// The body of `POST /containers/create` (only the fields the engine sets).
public struct ContainerConfig: Encodable, Sendable {
    public var image: String
    public var cmd: [String]
    public var workingDir: String?
    /// `UID:GID` (or a name) the command runs as; nil: the image's.
    public var user: String?
    public var env: [String] = []
    public var labels: [String: String] = [:]
    public var hostConfig = HostConfig()
    /// The command's stdin stays open for an attach (``DockerClient/withAttachedContainer(_:answerWithin:_:)``);
    /// `stdinOnce`: closed for good when that attach ends.
    public var openStdin = false
    public var stdinOnce = false

    public init(image: String, cmd: [String]) { (self.image, self.cmd) = (image, cmd) }

    enum CodingKeys: String, CodingKey {
        case image = "Image", cmd = "Cmd", workingDir = "WorkingDir", user = "User", env = "Env", labels = "Labels", hostConfig = "HostConfig"
        case openStdin = "OpenStdin", stdinOnce = "StdinOnce"
    }

    public struct HostConfig: Encodable, Sendable {
        public var initProcess: Bool = true
        public var binds: [String] = []
        public var mounts: [Mount] = []
        public var memory: Int64?
        public var memorySwap: Int64?
        public var nanoCPUs: Int64?
        public var pidsLimit: Int64?
        public var networkMode: String?
        public var securityOpt: [String] = []
        public var capDrop: [String] = []
        public var capAdd: [String] = []
        public var runtime: String?
        public var readonlyRootfs = false
        /// Mount point → options (`"exec,mode=1777"`).
        public var tmpfs: [String: String] = [:]
        /// The log driver (`"none"`: what the container prints is kept nowhere); nil: the daemon's default.
        public var logConfig: LogConfig?
        /// `NAME:IP` lines added to the container's /etc/hosts.
        public var extraHosts: [String] = []
        /// Resolvers the container's DNS asks (Docker's embedded DNS forwards to them).
        public var dns: [String] = []
        public init() {}

        public struct LogConfig: Encodable, Sendable {
            public var type: String
            public init(type: String) { self.type = type }
            enum CodingKeys: String, CodingKey { case type = "Type" }
        }

        enum CodingKeys: String, CodingKey {
            case initProcess = "Init", binds = "Binds", mounts = "Mounts", memory = "Memory", memorySwap = "MemorySwap", nanoCPUs = "NanoCpus"
            case pidsLimit = "PidsLimit", networkMode = "NetworkMode", securityOpt = "SecurityOpt"
            case capDrop = "CapDrop", capAdd = "CapAdd", runtime = "Runtime", readonlyRootfs = "ReadonlyRootfs", tmpfs = "Tmpfs"
            case logConfig = "LogConfig", extraHosts = "ExtraHosts", dns = "Dns"
        }
    }

    /// A bind mount (`Mounts`, not `Binds`: a missing source is an error, never a new directory).
    public struct Mount: Encodable, Sendable, Equatable {
        public var source: String
        public var target: String
        public var readOnly: Bool
        public init(source: String, target: String, readOnly: Bool) { (self.source, self.target, self.readOnly) = (source, target, readOnly) }

        public func encode(to encoder: any Encoder) throws {
            enum Keys: String, CodingKey { case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly" }
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("bind", forKey: .type)
            try container.encode(source, forKey: .source)
            try container.encode(target, forKey: .target)
            try container.encode(readOnly, forKey: .readOnly)
        }
    }
}

/// `GET /containers/{id}/json`, trimmed to what callers read.
public struct ContainerInspect: Decodable, Sendable {
    public var id: String
    public var name: String
    public var created: String
    public var state: State
    public var config: Config
    /// The container's execs that still run (nil: none).
    public var execIDs: [String]?
    public var networkSettings: NetworkSettings?
    public var hostConfig: HostSettings?
    /// The id of the image it was made from (its config names the image as it was asked for).
    public var imageID: String?

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", created = "Created", state = "State", config = "Config", execIDs = "ExecIDs"
        case networkSettings = "NetworkSettings", hostConfig = "HostConfig", imageID = "Image"
    }

    /// Its limits, OCI runtime and bind mounts, as created.
    public struct HostSettings: Decodable, Sendable {
        public var memory: Int64?
        public var nanoCPUs: Int64?
        public var runtime: String?
        public var binds: [String]?
        enum CodingKeys: String, CodingKey { case memory = "Memory", nanoCPUs = "NanoCpus", runtime = "Runtime", binds = "Binds" }
    }

    /// The networks it is attached to, by name, with its IPv4 address on each.
    public struct NetworkSettings: Decodable, Sendable {
        public var networks: [String: Endpoint]?
        enum CodingKeys: String, CodingKey { case networks = "Networks" }

        public struct Endpoint: Decodable, Sendable {
            public var ipAddress: String?
            enum CodingKeys: String, CodingKey { case ipAddress = "IPAddress" }
        }
    }

    public struct State: Decodable, Sendable {
        public var status: String
        public var running: Bool
        public var oomKilled: Bool
        public var exitCode: Int
        public var startedAt: String?
        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", oomKilled = "OOMKilled", exitCode = "ExitCode", startedAt = "StartedAt"
        }
    }

    public struct Config: Decodable, Sendable {
        public var image: String
        public var workingDir: String?
        public var labels: [String: String]?
        public var env: [String]?
        enum CodingKeys: String, CodingKey { case image = "Image", workingDir = "WorkingDir", labels = "Labels", env = "Env" }
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Decodable, Sendable {
    public var id: String
    public var names: [String]
    public var image: String
    public var state: String
    public var status: String
    public var created: Int
    public var labels: [String: String]?

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", state = "State", status = "Status", created = "Created", labels = "Labels"
    }

    /// The name without Docker's leading slash.
    public var name: String { names.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? String(id.prefix(12)) }
}

/// `GET /exec/{id}/json`.
public struct ExecInspect: Decodable, Sendable {
    public var running: Bool
    public var exitCode: Int?
    /// The host's pid of the process; 0 when it never started (the OCI runtime refused it).
    public var pid: Int?
    enum CodingKeys: String, CodingKey { case running = "Running", exitCode = "ExitCode", pid = "Pid" }
}

/// The `X-Docker-Container-Path-Stat` header of `HEAD /containers/{id}/archive`.
public struct PathStat: Decodable, Sendable {
    public var name: String
    public var size: Int64
    public var mode: UInt32
    public var mtime: String
    public var linkTarget: String

    /// Go's `os.FileMode` bits, which is what Docker sends, not POSIX ones.
    public var isDirectory: Bool { mode & (1 << 31) != 0 }
    public var isSymlink: Bool { mode & (1 << 27) != 0 }
    public var isRegular: Bool { mode & Self.typeBits == 0 }
    private static let typeBits: UInt32 = 1 << 31 | 1 << 27 | 1 << 26 | 1 << 25 | 1 << 24 | 1 << 21 | 1 << 19
}

/// `GET /images/{name}/json`, trimmed.
public struct ImageInspect: Decodable, Sendable {
    public var id: String
    public var repoTags: [String]?
    public var size: Int64?
    public var created: String?
    public var config: Config?
    enum CodingKeys: String, CodingKey { case id = "Id", repoTags = "RepoTags", size = "Size", created = "Created", config = "Config" }

    public struct Config: Decodable, Sendable {
        public var labels: [String: String]?
        enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }
}

/// One row of `GET /images/json`.
public struct ImageSummary: Decodable, Sendable {
    public var id: String
    public var repoTags: [String]?
    /// Its own size and its layers' (shared ones counted in each image).
    public var size: Int64
    /// Seconds since 1970.
    public var created: Int
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey { case id = "Id", repoTags = "RepoTags", size = "Size", created = "Created", labels = "Labels" }
}
