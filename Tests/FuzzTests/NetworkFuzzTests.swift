import Testing
@testable import SandboxKit

/// Bytes from a sandbox (DNS queries, a connection's first flight) and from the outside (DNS
/// answers): a value or nil, never a trap, whatever they are.
struct NetworkFuzzTests {
    @Test func dnsMessagesNeverTrap() {
        var fuzz = Fuzz(0xD45)
        let seeds: [[UInt8]] = [[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63, 0, 0, 1, 0, 1],
                                [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]]
        for _ in 0..<20_000 {
            var bytes = fuzz.pick(seeds)
            for _ in 0..<Int.random(in: 1...6, using: &fuzz) {
                switch Int.random(in: 0..<3, using: &fuzz) {
                case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &fuzz)] = UInt8.random(in: 0...255, using: &fuzz)
                case 1: bytes.insert(fuzz.pick([0xC0, 0x3F, 0, 255, 12]), at: Int.random(in: 0...bytes.count, using: &fuzz))
                default: if !bytes.isEmpty { bytes.removeLast(Int.random(in: 0...min(4, bytes.count), using: &fuzz)) }
                }
            }
            if let query = DNSQuery(bytes) { _ = query.answer(rcode: 5) }
            _ = DNSAnswer(bytes)
        }
    }

    @Test func firstFlightsNeverTrap() {
        var fuzz = Fuzz(0x5F1)
        let pieces = ["GET / HTTP/1.1\r\n", "Host: ", "a.test", ":80", "\r\n", "\r\n\r\n", "Host:", " ", "\u{0}", ":", "é", "\u{16}\u{3}\u{1}"]
        for _ in 0..<20_000 {
            let text = fuzz.text(from: pieces, length: 12)
            _ = RequestedHost.parse(Array(text.utf8), tls: false)
            var bytes: [UInt8] = [22, 3, 1, 0, UInt8.random(in: 0...255, using: &fuzz), 1, 0, 0, UInt8.random(in: 0...255, using: &fuzz)]
            bytes += (0..<Int.random(in: 0...300, using: &fuzz)).map { _ in UInt8.random(in: 0...255, using: &fuzz) }
            _ = RequestedHost.parse(bytes, tls: true)
            _ = RequestedHost.parse(Array(text.utf8), tls: true)
        }
    }
}
