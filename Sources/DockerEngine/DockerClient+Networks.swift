import Foundation

/// Network endpoints: the engine keeps its sandboxes on bridges of its own (SandboxKit's `SandboxNetworks`).
extension DockerClient {
    /// `GET /networks/{name}`; nil when there is no such network.
    public func inspectNetwork(_ name: String) async throws -> NetworkInspect? {
        do {
            return try await json(NetworkInspect.self, .GET, "/networks/\(name)")
        } catch DockerError.notFound {
            return nil
        }
    }

    /// `POST /networks/create`; returns the new network's id.
    public func createNetwork(_ config: NetworkCreate) async throws -> String {
        struct Created: Decodable { var Id: String }
        return try await json(Created.self, .POST, "/networks/create", jsonBody: config).Id
    }
}

/// The body of `POST /networks/create` (a bridge with the fields the engine sets).
public struct NetworkCreate: Encodable, Sendable {
    public var name: String
    public var driver = "bridge"
    public var options: [String: String] = [:]
    public var labels: [String: String] = [:]
    public var checkDuplicate = true
    public var enableIPv6 = false

    public init(name: String) { self.name = name }

    enum CodingKeys: String, CodingKey {
        case name = "Name", driver = "Driver", options = "Options", labels = "Labels", checkDuplicate = "CheckDuplicate"
        case enableIPv6 = "EnableIPv6"
    }
}

/// `GET /networks/{name}`, trimmed.
public struct NetworkInspect: Decodable, Sendable {
    public var id: String
    public var name: String
    public var driver: String
    public var options: [String: String]?
    public var ipam: IPAM
    public var labels: [String: String]?

    public struct IPAM: Decodable, Sendable {
        public var config: [Pool]?
        enum CodingKeys: String, CodingKey { case config = "Config" }
    }

    public struct Pool: Decodable, Sendable {
        public var subnet: String?
        public var gateway: String?
        enum CodingKeys: String, CodingKey { case subnet = "Subnet", gateway = "Gateway" }
    }

    /// The IPv4 gateways (the bridge's own addresses), as text.
    public var gatewayAddresses: [String] { (ipam.config ?? []).compactMap(\.gateway).filter { !$0.contains(":") } }

    /// The IPv4 subnets the daemon gave it, as `a.b.c.d/n`.
    public var subnets: [String] { (ipam.config ?? []).compactMap(\.subnet).filter { !$0.contains(":") } }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", driver = "Driver", options = "Options", ipam = "IPAM", labels = "Labels"
    }
}
