/// The parts of a DNS message (RFC 1035) the egress resolver reads and writes: a query's question,
/// the answers it builds, and the A records of an upstream answer. Bytes come from a sandbox or
/// from the outside: every read is bounds-checked, name compression is followed a bounded number
/// of times, and anything malformed is nil, never a trap.
struct DNSQuery: Equatable, Sendable {
    static let typeA: UInt16 = 1
    static let typeAAAA: UInt16 = 28
    static let classIN: UInt16 = 1

    let id: UInt16
    let flags: UInt16
    /// Lowercased, without the final dot.
    let name: String
    let type: UInt16
    let qclass: UInt16
    /// The question as it was sent (name, type, class), echoed in answers.
    let question: [UInt8]

    /// A standard query (QR 0, opcode 0) with exactly one question; nil otherwise.
    init?(_ bytes: [UInt8]) {
        var reader = DNSReader(bytes)
        guard let id = reader.u16(), let flags = reader.u16(), let qdcount = reader.u16(), reader.u16() != nil,
              reader.u16() != nil, reader.u16() != nil else { return nil }
        guard flags & 0x8000 == 0, (flags >> 11) & 0xF == 0, qdcount == 1 else { return nil }
        let start = reader.offset
        guard let name = reader.name(), let type = reader.u16(), let qclass = reader.u16() else { return nil }
        (self.id, self.flags, self.name, self.type, self.qclass) = (id, flags, name, type, qclass)
        question = Array(bytes[start..<reader.offset])
    }

    /// An answer to this query: `rcode` (0 no error, 3 no such name, 5 refused) and A records.
    func answer(rcode: UInt8, addresses: [IPv4Address] = [], ttl: UInt32 = 60) -> [UInt8] {
        var out: [UInt8] = []
        func put16(_ value: UInt16) { out += [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func put32(_ value: UInt32) { put16(UInt16(value >> 16)); put16(UInt16(value & 0xFFFF)) }
        put16(id)
        put16(0x8000 | (flags & 0x0100) | 0x0080 | UInt16(rcode & 0xF))  // QR, RD echoed, RA
        put16(1)
        put16(UInt16(addresses.count))
        put16(0)
        put16(0)
        out += question
        for address in addresses {
            put16(0xC00C)  // the name: a pointer to the question's
            put16(DNSQuery.typeA)
            put16(DNSQuery.classIN)
            put32(ttl)
            put16(4)
            put32(address.value)
        }
        return out
    }
}

/// An upstream answer to a query of ours: its id, rcode and A records (with their TTLs).
struct DNSAnswer: Equatable, Sendable {
    let id: UInt16
    let rcode: UInt8
    let addresses: [(IPv4Address, UInt32)]

    static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.rcode == b.rcode && a.addresses.map(\.0) == b.addresses.map(\.0) && a.addresses.map(\.1) == b.addresses.map(\.1)
    }

    init?(_ bytes: [UInt8]) {
        var reader = DNSReader(bytes)
        guard let id = reader.u16(), let flags = reader.u16(), let qdcount = reader.u16(), let ancount = reader.u16(),
              reader.u16() != nil, reader.u16() != nil, flags & 0x8000 != 0 else { return nil }
        for _ in 0..<qdcount {
            guard reader.name() != nil, reader.u16() != nil, reader.u16() != nil else { return nil }
        }
        var addresses: [(IPv4Address, UInt32)] = []
        for _ in 0..<ancount {
            guard reader.name() != nil, let type = reader.u16(), let qclass = reader.u16(), let ttl = reader.u32(),
                  let length = reader.u16(), let data = reader.bytes(Int(length)) else { return nil }
            if type == DNSQuery.typeA, qclass == DNSQuery.classIN, data.count == 4 {
                let value = data.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                addresses.append((IPv4Address(value), ttl))
            }
        }
        (self.id, self.rcode, self.addresses) = (id, UInt8(flags & 0xF), addresses)
    }
}

/// A bounds-checked cursor over a DNS message.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u16() -> UInt16? {
        guard offset + 2 <= bytes.count else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() -> UInt32? {
        guard let high = u16(), let low = u16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// A name, following compression pointers (at most 16, each backwards, so no loop), lowercased;
    /// labels of letters, digits, `-` and `_` only (anything else: nil, never a name to match).
    mutating func name() -> String? {
        var labels: [String] = []
        var at = offset, jumps = 0, length = 0
        var resume: Int?
        while true {
            guard at < bytes.count else { return nil }
            let size = Int(bytes[at])
            if size & 0xC0 == 0xC0 {
                guard at + 1 < bytes.count, jumps < 16 else { return nil }
                let target = (size & 0x3F) << 8 | Int(bytes[at + 1])
                guard target < at else { return nil }
                if resume == nil { resume = at + 2 }
                at = target
                jumps += 1
                continue
            }
            guard size & 0xC0 == 0 else { return nil }
            if size == 0 {
                offset = resume ?? at + 1
                return labels.joined(separator: ".")
            }
            guard at + 1 + size <= bytes.count else { return nil }
            length += size + 1
            guard length <= 255 else { return nil }
            let label = bytes[(at + 1)...(at + size)]
            guard label.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F })
            else { return nil }
            labels.append(String(decoding: label, as: UTF8.self).lowercased())
            at += 1 + size
        }
    }
}
