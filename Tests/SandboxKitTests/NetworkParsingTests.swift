import Foundation
import Testing
@testable import SandboxKit

/// What the egress guard reads from sandboxes, without a daemon: DNS messages and the first bytes
/// of a web connection.
struct NetworkParsingTests {
    /// A query for `name` of `type`, id 0x1234, recursion desired.
    static func query(_ name: String, type: UInt16 = 1) -> [UInt8] {
        var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return bytes + [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    @Test func aQueryIsReadAndAnsweredWithItsQuestion() throws {
        let query = try #require(DNSQuery(Self.query("API.Example.test")))
        #expect(query.name == "api.example.test" && query.type == 1 && query.id == 0x1234)
        let refused = query.answer(rcode: 5)
        #expect(refused[3] & 0x0F == 5 && refused[2] & 0x80 != 0 && Array(refused[12...]) == query.question)
        let answered = try #require(DNSAnswer(query.answer(rcode: 0, addresses: [IPv4Address(parsing: "10.1.2.3")!], ttl: 42)))
        #expect(answered.id == 0x1234 && answered.rcode == 0)
        #expect(answered.addresses.map(\.0) == [IPv4Address(parsing: "10.1.2.3")!] && answered.addresses.map(\.1) == [42])
    }

    @Test func malformedAndHostileMessagesAreNil() {
        // A pointer to itself, a pointer forwards, a label past the end, a response, two questions,
        // a name over 255 bytes, a label with a dot or a NUL in it.
        var looping = Self.query("a.b")
        looping.replaceSubrange(12..., with: [0xC0, 12, 0, 1, 0, 1])
        var forwards = Self.query("a.b")
        forwards.replaceSubrange(12..., with: [0xC0, 14, 0, 0, 1, 0, 1])
        let cut = Array(Self.query("abcdef.test").prefix(15))
        var response = Self.query("a.test")
        response[2] |= 0x80
        var two = Self.query("a.test")
        two[5] = 2
        let long = Self.query(Array(repeating: String(repeating: "x", count: 63), count: 5).joined(separator: "."))
        var dotted = Self.query("ab.test")
        dotted[14] = UInt8(ascii: ".")
        var nul = Self.query("ab.test")
        nul[13] = 0
        for bytes in [looping, forwards, cut, response, two, long, dotted, nul, [], [0x12]] {
            #expect(DNSQuery(bytes) == nil, "\(bytes)")
        }
    }

    @Test func theServerNameOfARealClientHello() throws {
        let hello = try #require(Data(base64Encoded: "FgMBAgABAAH8AwPyoUYSe6wpMWXigqncsoSZ/NmfBsZHyMFV7bx4CoE93iDe8a7yuq2wuSp3z8MHuSgfbhurYVTmixrtcf3vyIZF8gAkEwITAxMBwCzAMMArwC/MqcyowCTAKMAjwCcAnwCeAGsAZwD/AQABjwAAABIAEAAADWFwaS5nb29kLnRlc3QACwAEAwABAgAKABYAFAAdABcAHgAZABgBAAEBAQIBAwEEACMAAAAWAAAAFwAAAA0AKgAoBAMFAwYDCAcICAgJCAoICwgECAUIBgQBBQEGAQMDAwEDAgQCBQIGAgArAAUEAwQDAwAtAAIBAQAzACYAJAAdACD0s1P6CvP3J1S2pm9nraM96Ria9ACrgOHASpjN9TRySAAVAOAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="))
        #expect(RequestedHost.parse(Array(hello), tls: true) == .name("api.good.test"))
        // Byte by byte it is incomplete until whole, never a wrong answer.
        for count in [0, 1, 4, 5, 100, hello.count - 1] {
            #expect(RequestedHost.parse(Array(hello.prefix(count)), tls: true) == .incomplete)
        }
        #expect(RequestedHost.parse(Array("GET / HTTP/1.1\r\n\r\n".utf8), tls: true) == RequestedHost.none)
    }

    @Test func theHostOfAnHTTPRequest() {
        func host(_ text: String) -> RequestedHost { RequestedHost.parse(Array(text.utf8), tls: false) }
        #expect(host("GET / HTTP/1.1\r\nHost: Api.Good.Test:8080\r\nAccept: */*\r\n\r\n") == .name("api.good.test"))
        #expect(host("GET / HTTP/1.1\r\nhost:api.good.test\r\n\r\n") == .name("api.good.test"))
        #expect(host("GET / HTTP/1.1\r\nHost: api.good.test\r\n") == .incomplete)
        #expect(host("GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n") == RequestedHost.none)
        #expect(host("GET / HTTP/1.1\r\n\r\n") == RequestedHost.none)
        #expect(host("GET / HTTP/1.1\r\nHost: a b.test\r\n\r\n") == RequestedHost.none)
        #expect(host("GET / HTTP/1.1\r\nHost: a.test:x\r\n\r\n") == RequestedHost.none)
        #expect(RequestedHost.parse(Array(repeating: UInt8(ascii: "a"), count: RequestedHost.limit), tls: false) == RequestedHost.none)
    }

    @Test func onlyEngineMadeIdsReachNftOrAPath() {
        #expect(HostFirewall.isSandboxID("3f2a9c0b1d4e"))
        for bad in ["", "../../etc/passwd", "abc; flush ruleset", "ABCDEF", "x", String(repeating: "a", count: 33), "a b"] {
            #expect(!HostFirewall.isSandboxID(bad), "\(bad)")
        }
        #expect(EgressLog.path("../../etc/passwd") == "/nonexistent/sandbox-egress")
    }

    @Test func aSandboxsChainDeniesFirstAndRefusesTheRestOnAnAllowList() throws {
        let firewall = HostFirewall(isolatedBridge: "sbx-iso", allowListBridge: "sbx-allow")
        var policy = try NetworkPolicy(allow: ["*.good.test:443", "10.0.0.0/8"], hosts: ["api.good.test:10.1.2.3"])
        policy = policy.denying(try EgressRule(parsing: "10.9.9.9:22"))
        let script = firewall.admitScript(sandboxID: "abc123", address: IPv4Address(parsing: "172.30.0.2")!,
                                          gateway: IPv4Address(parsing: "172.30.0.1")!, policy: policy)
        let rules = script.split(separator: "\n").filter { $0.hasPrefix("add rule inet sandbox_net s_abc123") }.map { String($0.dropFirst("add rule inet sandbox_net s_abc123 ".count)) }
        #expect(rules == [
            "ip daddr 10.9.9.9 tcp dport 22 goto r_abc123", "ip daddr 10.9.9.9 udp dport 22 goto r_abc123",
            "ip daddr 172.30.0.1 tcp dport { 53, 15080, 15443 } accept", "ip daddr 172.30.0.1 udp dport 53 accept",
            "ip daddr . th dport @l_abc123 accept",
            "ip daddr 10.1.2.3 tcp dport 443 accept", "ip daddr 10.1.2.3 udp dport 443 accept",
            "ip daddr 10.0.0.0/8 accept", "goto r_abc123",
        ], "\(rules)")
        // The --add-host address of a web rule goes through the proxy from the start.
        #expect(script.contains("add element inet sandbox_net w_abc123 { 10.1.2.3 }"))
        #expect(script.hasSuffix("add element inet sandbox_net web_by_source { 172.30.0.2 : jump n_abc123 }\n"))
    }

    @Test func aPolicyIsKeptAsTheTextAUserWouldType() throws {
        let policy = try NetworkPolicy(allow: ["*.good.test:443", "10.1.2.3/8"], hosts: ["api.good.test:10.1.2.3"]).denying(EgressRule(parsing: "10.9.9.9"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let json = String(decoding: try encoder.encode(policy), as: UTF8.self)
        for text in ["\"*.good.test:443\"", "\"10.0.0.0/8\"", "\"api.good.test:10.1.2.3\"", "\"10.9.9.9\""] { #expect(json.contains(text), "\(json)") }
        #expect(try JSONDecoder().decode(NetworkPolicy.self, from: Data(json.utf8)) == policy)
        // A label or state file someone edited into nonsense is an error, never a policy.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NetworkPolicy.self, from: Data(#"{"allow":["x;y"],"hosts":[]}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(IPv4Address.self, from: Data(#""010.0.0.1""#.utf8)) }
    }

    @Test func namesMatchPatternsOnLabelBoundaries() {
        #expect(NetworkPolicy.name("api.good.test", matches: "*.good.test"))
        #expect(!NetworkPolicy.name("good.test", matches: "*.good.test"))
        #expect(!NetworkPolicy.name("evilgood.test", matches: "*.good.test"))
        #expect(NetworkPolicy.name("good.test", matches: "GOOD.test"))
    }
}
