import Foundation

/// The packets the firewall drops for allow-list sandboxes, as the kernel hands them to us: nft's
/// `log group` (NFLOG) over a netlink socket, each with the prefix naming the sandbox's chain and
/// the start of the packet (its IPv4 header and ports). Read by the egress guard, which records
/// them; everything in a packet is the sandbox's and is parsed bounds-checked.
enum PacketLog {
    static let group: UInt16 = 7
    private static let netlinkNetfilter: Int32 = 12
    private static let subsystemULog: UInt16 = 4

    /// A dropped packet: the sandbox's chain's prefix and where it was going.
    struct Drop: Equatable {
        var prefix: String
        var source: IPv4Address
        var destination: IPv4Address
        var proto: String
        var port: UInt16?

        var target: String { port.map { "\(destination):\($0)/\(proto)" } ?? "\(destination)/\(proto)" }
    }

    /// A netlink socket bound to the group, asking for the first 64 bytes of each packet at once.
    static func open() throws -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkNetfilter)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM) }
        // sockaddr_nl (Glibc's module lacks it): family, padding, pid 0 (the kernel picks), groups 0.
        let address: [UInt8] = le16(UInt16(AF_NETLINK)) + [0, 0] + le32(0) + le32(0)
        let bound = address.withUnsafeBytes { bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
        guard bound == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
        // Bind the group; copy packets (64 bytes: headers); deliver each at once.
        let configs: [(UInt16, [UInt8])] = [(1, [1, 0, 0, 0]), (2, [0, 0, 0, 64, 2, 0, 0, 0]), (5, [0, 0, 0, 1])]
        for (type, payload) in configs {
            var message = header(length: 16 + 4 + 4 + payload.count, type: subsystemULog << 8 | 1, flags: 1)
            message += [0, 0, UInt8(group >> 8), UInt8(group & 0xFF)]
            message += le16(UInt16(4 + payload.count)) + le16(type) + payload
            guard send(fd, message, message.count, 0) == message.count else {
                close(fd)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
            }
        }
        return fd
    }

    /// Blocks for the next batch the kernel sends; the drops in it.
    static func receive(_ fd: Int32) -> [Drop] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return [] }
        return parse(Array(buffer.prefix(n)))
    }

    /// The drops in a batch of netlink messages (anything else in it is skipped).
    static func parse(_ bytes: [UInt8]) -> [Drop] {
        var drops: [Drop] = []
        var at = 0
        while at + 16 <= bytes.count {
            let length = Int(u32le(bytes, at))
            guard length >= 16, at + length <= bytes.count else { break }
            let type = u16le(bytes, at + 4)
            if type == subsystemULog << 8, length >= 20, let drop = packet(Array(bytes[(at + 20)..<(at + length)])) { drops.append(drop) }
            at += (length + 3) & ~3
        }
        return drops
    }

    /// One packet message's attributes: the prefix (10) and the payload (9).
    private static func packet(_ attributes: [UInt8]) -> Drop? {
        var prefix: String?, payload: [UInt8]?
        var at = 0
        while at + 4 <= attributes.count {
            let length = Int(u16le(attributes, at)), type = u16le(attributes, at + 2) & 0x7FFF
            guard length >= 4, at + length <= attributes.count else { break }
            let value = Array(attributes[(at + 4)..<(at + length)])
            if type == 10 { prefix = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) }
            if type == 9 { payload = value }
            at += (length + 3) & ~3
        }
        guard let prefix, let payload, payload.count >= 20, payload[0] >> 4 == 4 else { return nil }
        let headerLength = Int(payload[0] & 0x0F) * 4
        let proto = payload[9]
        let source = IPv4Address(u32be(payload, 12)), destination = IPv4Address(u32be(payload, 16))
        let name = [1: "icmp", 6: "tcp", 17: "udp"][proto] ?? "ip proto \(proto)"
        var port: UInt16?
        if proto == 6 || proto == 17, headerLength >= 20, payload.count >= headerLength + 4 {
            port = UInt16(payload[headerLength + 2]) << 8 | UInt16(payload[headerLength + 3])
        }
        return Drop(prefix: prefix, source: source, destination: destination, proto: name, port: port)
    }

    private static func header(length: Int, type: UInt16, flags: UInt16) -> [UInt8] {
        le32(UInt32(length)) + le16(type) + le16(flags) + le32(0) + le32(0)
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
    private static func u16le(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private static func u32le(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(u16le(bytes, at)) | UInt32(u16le(bytes, at + 2)) << 16 }
    private static func u32be(_ bytes: [UInt8], _ at: Int) -> UInt32 { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
}
