import Foundation

/// The host a connection's first bytes ask for: the server name of a TLS ClientHello (SNI), or the
/// `Host` header of an HTTP/1 request. The bytes come from a sandbox: bounds-checked throughout.
enum RequestedHost: Equatable, Sendable {
    /// The name, lowercased, without a port.
    case name(String)
    /// More bytes are needed to tell.
    case incomplete
    /// Neither a ClientHello with a server name nor an HTTP request with a Host: the connection is refused.
    case none

    /// The longest first flight read before deciding: a ClientHello or request head larger is refused.
    static let limit = 16 * 1024

    static func parse(_ bytes: [UInt8], tls: Bool) -> RequestedHost {
        tls ? serverName(bytes) : httpHost(bytes)
    }

    /// TLS: record(22) → handshake ClientHello(1) → extensions → server_name(0) → host_name(0).
    static func serverName(_ bytes: [UInt8]) -> RequestedHost {
        guard bytes.count >= 5 else { return .incomplete }
        guard bytes[0] == 22 else { return .none }
        let recordLength = Int(bytes[3]) << 8 | Int(bytes[4])
        guard bytes.count >= 5 + recordLength else { return bytes.count >= limit ? .none : .incomplete }
        var reader = DNSReader(Array(bytes[5..<(5 + recordLength)]))
        guard let type = reader.bytes(1)?.first, type == 1, let lengthBytes = reader.bytes(3) else { return .none }
        let helloLength = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
        // A ClientHello split over records: not followed (clients send it in one).
        guard helloLength <= recordLength - 4, reader.bytes(2) != nil, reader.bytes(32) != nil,
              let sessionLength = reader.bytes(1)?.first, reader.bytes(Int(sessionLength)) != nil,
              let suites = reader.u16(), reader.bytes(Int(suites)) != nil,
              let compression = reader.bytes(1)?.first, reader.bytes(Int(compression)) != nil,
              let extensionsLength = reader.u16() else { return .none }
        let end = reader.offset + Int(extensionsLength)
        while reader.offset + 4 <= end {
            guard let kind = reader.u16(), let length = reader.u16(), let body = reader.bytes(Int(length)) else { return .none }
            guard kind == 0 else { continue }
            var names = DNSReader(Array(body))
            guard let listLength = names.u16(), Int(listLength) <= body.count - 2 else { return .none }
            while let nameType = names.bytes(1)?.first, let nameLength = names.u16(), let name = names.bytes(Int(nameLength)) {
                if nameType == 0 { return host(String(decoding: name, as: UTF8.self)) }
            }
            return .none
        }
        return .none
    }

    /// HTTP/1: the request head up to the empty line, and its one Host header.
    static func httpHost(_ bytes: [UInt8]) -> RequestedHost {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: terminator)?.lowerBound else { return bytes.count >= limit ? .none : .incomplete }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let hosts = lines.dropFirst().compactMap { line -> Substring? in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "host" else { return nil }
            return line[line.index(after: colon)...]
        }
        // Two Host headers are a smuggling attempt: whichever the server believes, refuse.
        guard hosts.count == 1, let value = hosts.first else { return .none }
        var name = value.trimmingCharacters(in: .whitespaces)
        if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]") {
            guard UInt16(name[name.index(after: colon)...]) != nil else { return .none }
            name = String(name[..<colon])
        }
        return host(name)
    }

    private static func host(_ text: String) -> RequestedHost {
        let name = text.hasSuffix(".") ? String(text.dropLast()).lowercased() : text.lowercased()
        return HostAlias.isHostName(name) ? .name(name) : .none
    }
}
