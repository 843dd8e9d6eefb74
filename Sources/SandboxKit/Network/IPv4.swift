/// An IPv4 address, parsed strictly: four decimal octets, no leading zeros (which some parsers
/// read as octal), nothing around them.
public struct IPv4Address: Sendable, Hashable, TextCodable, Comparable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    public var description: String { "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)" }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }

    static func parse(_ text: String) throws(TextCodingError) -> Self {
        guard let address = IPv4Address(parsing: text) else { throw TextCodingError("'\(text)' is not an IPv4 address") }
        return address
    }
}

/// An IPv4 range `a.b.c.d/n`, kept with its host bits cleared.
public struct IPv4Network: Sendable, Hashable, TextCodable {
    public var address: IPv4Address
    public var prefix: Int

    public init(address: IPv4Address, prefix: Int) {
        let bounded = min(max(prefix, 0), 32)
        self.address = IPv4Address(address.value & Self.mask(bounded))
        self.prefix = bounded
    }

    /// `a.b.c.d` (a /32) or `a.b.c.d/n`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPv4Address(parsing: String(parts[0])) else { return nil }
        var prefix = 32
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let number = Int(parts[1]), number <= 32 else { return nil }
            prefix = number
        }
        self.init(address: address, prefix: prefix)
    }

    public func contains(_ other: IPv4Address) -> Bool { other.value & Self.mask(prefix) == address.value }

    public var description: String { prefix == 32 ? address.description : "\(address)/\(prefix)" }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << (32 - prefix) }

    static func parse(_ text: String) throws(TextCodingError) -> Self {
        guard let network = IPv4Network(parsing: text) else { throw TextCodingError("'\(text)' is not an IPv4 range") }
        return network
    }
}
