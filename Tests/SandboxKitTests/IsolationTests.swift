import DockerEngine
import Foundation
@testable import SandboxKit
import Testing

/// The network containment as a hostile sandbox would try it. Nothing outside this machine is
/// reachable here, so every target is local: a listener on the host, another sandbox, and a test
/// host of our own (``TestRemoteHost``, a network namespace reached through the host's routing as
/// the internet would be, which also holds 169.254.169.254 for the test's length so that no probe
/// can reach a real metadata service). Each denied case has a control: the same attempt from a
/// sandbox whose policy allows it, which must succeed, so a case that would fail anyway proves nothing.
@Suite(.serialized) struct IsolationTests {
    /// Whether `sandbox` can open a TCP connection to `host:port` (a second's wait at most), or,
    /// with `udp`, get an answer to a datagram.
    static func reaches(_ sandbox: DockerSandbox, _ host: String, _ port: Int, udp: Bool = false) async throws -> Bool {
        let probe = udp
            ? "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(1); s.sendto(b'ping',(h,p)); s.recvfrom(64)"
            : "socket.create_connection((h,p),timeout=1)"
        let result = try await sandbox.execute("python3 -c \"import socket; h,p='\(host)',\(port); \(probe)\"", timeout: .seconds(20))
        return result.exitCode == 0
    }

    /// Expects `sandbox` to reach `host:port` or not, saying which way it went.
    static func expect(_ expected: Bool, _ sandbox: DockerSandbox, _ host: String, _ port: Int, udp: Bool = false,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reached = try await reaches(sandbox, host, port, udp: udp)
        #expect(reached == expected, "\(sandbox.name) \(reached ? "reached" : "did not reach") \(host):\(port)\(udp ? "/udp" : "")",
                sourceLocation: sourceLocation)
    }

    static func sandbox(allow: [String] = [], hosts: [String] = [], security: SecurityProfile = .hardened) throws -> DockerSandbox {
        DockerSandbox(image: TestImages.python, labels: ["sandbox.test": "true"],
                      policy: try NetworkPolicy(allow: allow, hosts: hosts), security: security)
    }

    /// Starts `sandboxes`, runs `body`, and removes them however it ends.
    static func with(_ sandboxes: [DockerSandbox], _ body: () async throws -> Void) async throws {
        do {
            for sandbox in sandboxes { try await sandbox.start() }
            try await body()
        } catch {
            for sandbox in sandboxes { try? await sandbox.stop() }
            throw error
        }
        for sandbox in sandboxes { try await sandbox.stop() }
    }

    /// Skips where isolation cannot be enforced (not root, no nft): said, not passed silently.
    static func requireIsolation() async throws {
        let probe = try sandbox()
        var isolation: (Isolation, reason: String?)?
        try await with([probe]) { isolation = await probe.isolation() }
        if isolation?.0 == .open { try Test.cancel("isolation is not enforced here: \(isolation?.reason ?? "?")") }
    }

    @Test func theHostsServicesAreOutOfReachUnlessAllowed() async throws {
        try await Self.requireIsolation()
        let listener = try TestListener()
        defer { listener.close() }
        let gateway = try #require(TestRemoteHost.gateway(of: "sbx-iso"))
        let allowGateway = try #require(TestRemoteHost.gateway(of: "sbx-allow"))
        let other = try #require(TestRemoteHost.otherHostAddress())
        let isolated = try Self.sandbox()
        let allowed = try Self.sandbox(allow: ["\(allowGateway):\(listener.port)", "\(other):\(listener.port)"])
        try await Self.with([isolated, allowed]) {
            try await Self.expect(false, isolated, gateway, listener.port)
            try await Self.expect(false, isolated, other, listener.port)
            try await Self.expect(true, allowed, allowGateway, listener.port)
            try await Self.expect(true, allowed, other, listener.port)
        }
        #expect(isolated.policy == .isolated)
    }

    @Test func anotherSandboxIsOutOfReachUnlessAllowed() async throws {
        try await Self.requireIsolation()
        let target = try Self.sandbox(allow: ["127.0.0.1"])  // on the allow-list bridge, so a control can name it
        let isolatedTarget = try Self.sandbox()
        try await Self.with([target, isolatedTarget]) {
            _ = try await target.execute("setsid python3 -m http.server 8000 >/dev/null 2>&1 </dev/null &")
            _ = try await isolatedTarget.execute("setsid python3 -m http.server 8000 >/dev/null 2>&1 </dev/null &")
            let targetAddress = try #require(try await Self.address(of: target))
            let isolatedAddress = try #require(try await Self.address(of: isolatedTarget))
            let neighbour = try Self.sandbox()
            let stranger = try Self.sandbox(allow: ["127.0.0.1"])
            let friend = try Self.sandbox(allow: ["\(targetAddress):8000"])
            try await Self.with([neighbour, stranger, friend]) {
                // The server is up: its own sandbox reaches it.
                let up = try await Self.eventually { try await Self.reaches(target, "127.0.0.1", 8000) }
                let isolatedUp = try await Self.eventually { try await Self.reaches(isolatedTarget, "127.0.0.1", 8000) }
                #expect(up && isolatedUp)
                try await Self.expect(false, neighbour, isolatedAddress, 8000)
                try await Self.expect(false, stranger, targetAddress, 8000)
                try await Self.expect(true, friend, targetAddress, 8000)
            }
        }
    }

    @Test func theMetadataAddressAndLinkLocalRangeAreOutOfReachUnlessAllowed() async throws {
        try await Self.requireIsolation()
        let remote = try TestRemoteHost()
        defer { remote.close() }
        let isolated = try Self.sandbox()
        let allowed = try Self.sandbox(allow: ["169.254.169.254:80"])
        try await Self.with([isolated, allowed]) {
            try await Self.expect(false, isolated, "169.254.169.254", 80)
            try await Self.expect(true, allowed, "169.254.169.254", 80)
            try await Self.expect(false, allowed, "169.254.169.254", 8080)
        }
    }

    @Test func theInternetIsReachedByDefaultAndOnlyWhatIsAllowedUnderAnAllowList() async throws {
        try await Self.requireIsolation()
        let remote = try TestRemoteHost()
        defer { remote.close() }
        let isolated = try Self.sandbox()
        let other = try Self.sandbox(allow: ["198.51.100.0/24:8080"])
        let allowed = try Self.sandbox(allow: ["198.51.100.7:80", "198.51.100.7:5353"])
        try await Self.with([isolated, other, allowed]) {
            try await Self.expect(true, isolated, TestRemoteHost.address, 80)
            try await Self.expect(true, isolated, TestRemoteHost.address, 5353, udp: true)
            try await Self.expect(false, other, TestRemoteHost.address, 80)
            try await Self.expect(true, other, TestRemoteHost.address, 8080)
            try await Self.expect(false, other, TestRemoteHost.address, 5353, udp: true)
            try await Self.expect(true, allowed, TestRemoteHost.address, 80)
            try await Self.expect(true, allowed, TestRemoteHost.address, 5353, udp: true)
        }
    }

    @Test func namesAreAllowedThroughAddHostAndRewritingEtcHostsGainsNothing() async throws {
        try await Self.requireIsolation()
        let remote = try TestRemoteHost()
        defer { remote.close() }
        let sandbox = try Self.sandbox(allow: ["*.good.test:80"], hosts: ["api.good.test:\(TestRemoteHost.address)", "evil.test:169.254.169.254"])
        try await Self.with([sandbox]) {
            try await Self.expect(true, sandbox, "api.good.test", 80)
            try await Self.expect(false, sandbox, "evil.test", 80)
            // Root in the sandbox points the allowed name elsewhere: the address is what counts.
            _ = try await sandbox.execute("echo '169.254.169.254 api.good.test' > /etc/hosts")
            try await Self.expect(false, sandbox, "api.good.test", 80)
            try await Self.expect(true, sandbox, TestRemoteHost.address, 80)
            // Its address pinned by --add-host, the name is never looked up: the proxy still
            // checks the Host of what goes to its port 80.
            _ = try await sandbox.execute("echo '\(TestRemoteHost.address) api.good.test' > /etc/hosts")
            #expect(try await EgressGuardTests.http(sandbox, "api.good.test", host: "api.good.test").contains("ok"))
            let fronted = try await EgressGuardTests.http(sandbox, "api.good.test", host: "www.evil.test")
            #expect(fronted.contains("403"), "\(fronted)")
        }
    }

    @Test func aRawSocketNeedsACapabilitySandboxesLack() async throws {
        let raw = "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)'"
        let hardened = try Self.sandbox()
        let relaxed = try Self.sandbox(security: .relaxed)
        try await Self.with([hardened, relaxed]) {
            let refused = try await hardened.execute(raw)
            #expect(refused.exitCode != 0 && refused.output.contains("Operation not permitted"), "\(refused.output)")
            #expect(try await relaxed.execute(raw).exitCode == 0)
        }
    }

    @Test func anAllowListIsRefusedWhereItCannotBeEnforcedAndNeverMadeOpen() async throws {
        let offline = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], network: .none,
                                    policy: try NetworkPolicy(allow: ["10.0.0.1"], hosts: []))
        await #expect(throws: SandboxError.self) { try await offline.start() }
        // Over TCP the engine is out of the host firewall's reach (scripts/test/engines.sh's TLS
        // daemon): refused with the reason, and no container is left.
        try await RemoteEngineTests.withClient(try DockerEndpoint.resolve(environment: RemoteEngineTests.tlsEnvironment)) { client in
            let far = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"],
                                    policy: try NetworkPolicy(allow: ["10.0.0.1"], hosts: []), client: client)
            let error = await #expect(throws: SandboxError.self) { try await far.start() }
            #expect(error?.description.contains("cannot enforce --allow") == true, "\(String(describing: error))")
            #expect(try await client.listContainers(labels: ["\(SandboxLabel.id)=\(far.sandboxID)"]).isEmpty)
            // Without rules it is made, open, and says so.
            let plain = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            try await Self.with([plain]) {
                let isolation = await plain.isolation()
                #expect(isolation?.0 == .open && isolation?.reason?.contains("reached over the network") == true)
            }
        }
    }

    @Test func rulesAndAliasesAreParsedStrictly() throws {
        #expect(try EgressRule(parsing: "10.1.2.3/8:443").description == "10.0.0.0/8:443")
        #expect(try EgressRule(parsing: "*.Example.com").description == "*.example.com")
        for bad in ["", "10.0.0.256", "010.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "[::1]:80", "::1", "a b", "x;drop", "*.*.a",
                    "10.0.0.1/33", "host:port", "a\"b"] {
            #expect(throws: PolicyError.self, "\(bad)") { try EgressRule(parsing: bad) }
        }
        for bad in ["name", "name:1.2.3", "bad name:1.2.3.4", ":1.2.3.4", "x:1.2.3.4\n"] {
            #expect(throws: PolicyError.self, "\(bad)") { try HostAlias(parsing: bad) }
        }
    }

    // MARK: Helpers

    static func address(of sandbox: DockerSandbox) async throws -> String? {
        let result = try await sandbox.execute("python3 -c \"import socket; print(socket.gethostbyname(socket.gethostname()))\"")
        return result.exitCode == 0 ? result.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// A server a job just started may take a moment to listen.
    static func eventually(_ check: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<50 {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

/// A TCP listener on all the host's addresses (the kernel completes a connection on its backlog,
/// so no accept is needed to see it reached).
final class TestListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        (self.fd, port) = (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func close() { _ = Glibc.close(fd) }
}

/// A test host of our own in a network namespace, routed from the host like the internet: it holds
/// 198.51.100.7 (a documentation address) and 169.254.169.254, each with TCP 80, 443, 853 and 8080
/// answering `ok` (after reading what the client sends first), a UDP echo on 5353, and a resolver.
/// While it exists, the metadata address leads here, not to any real service.
struct TestRemoteHost {
    static let address = "198.51.100.7"
    static let namespace = "sbxtest-remote"
    /// The names its resolver (UDP and TCP 53 on ``address``, answering 198.51.100.7 for every
    /// `*.test`) was asked for, a line each.
    static let queryLog = "/tmp/sbxtest-remote-queries.log"

    /// What its resolver was asked, so far.
    static var queries: [String] {
        ((try? String(contentsOfFile: queryLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    init() throws {
        close()
        unlink(Self.queryLog)
        let script = """
        import socket, threading
        def answer(c):
            c.settimeout(1)
            try: c.recv(4096)
            except Exception: pass
            try: c.sendall(b'ok\\n')
            except Exception: pass
            c.close()
        def tcp(port):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', port)); s.listen(64)
            while True:
                c, _ = s.accept(); threading.Thread(target=answer, args=(c,), daemon=True).start()
        def dns(q):
            i, labels = 12, []
            while q[i]: labels.append(q[i+1:i+1+q[i]].decode()); i += 1 + q[i]
            qtype, end = int.from_bytes(q[i+1:i+3], 'big'), i + 5
            name = '.'.join(labels).lower()
            with open('\(Self.queryLog)', 'a') as log: log.write(name + '\\n')
            head = q[:2] + b'\\x81\\x80\\x00\\x01'
            if qtype == 1 and name.endswith('.test'):
                return head + b'\\x00\\x01\\x00\\x00\\x00\\x00' + q[12:end] + b'\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04' + bytes([198, 51, 100, 7])
            return head + b'\\x00\\x00\\x00\\x00\\x00\\x00' + q[12:end]
        def dns_tcp():
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('\(Self.address)', 53)); s.listen(16)
            while True:
                c, _ = s.accept(); c.settimeout(2)
                try:
                    q = c.recv(4096)[2:]; a = dns(q); c.sendall(len(a).to_bytes(2, 'big') + a)
                except Exception: pass
                c.close()
        def dns_udp():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('\(Self.address)', 53))
            while True:
                q, peer = s.recvfrom(512)
                try: s.sendto(dns(q), peer)
                except Exception: pass
        for port in (80, 443, 853, 8080): threading.Thread(target=tcp, args=(port,), daemon=True).start()
        threading.Thread(target=dns_tcp, daemon=True).start()
        threading.Thread(target=dns_udp, daemon=True).start()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('\(Self.address)', 5353))
        while True:
            data, peer = u.recvfrom(512); u.sendto(data, peer)
        """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sbxtest-remote.py").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let setup = """
        set -e
        ip netns add \(Self.namespace)
        ip link add sbxt-h type veth peer name sbxt-r
        ip link set sbxt-r netns \(Self.namespace)
        ip addr add 203.0.113.1/30 dev sbxt-h && ip link set sbxt-h up
        ip netns exec \(Self.namespace) sh -c 'ip addr add 203.0.113.2/30 dev sbxt-r && ip link set sbxt-r up && ip link set lo up \
          && ip addr add \(Self.address)/32 dev lo && ip addr add 169.254.169.254/32 dev lo && ip route add default via 203.0.113.1'
        ip route add \(Self.address)/32 via 203.0.113.2
        ip route add 169.254.169.254/32 via 203.0.113.2
        ip netns exec \(Self.namespace) python3 \(path) >/dev/null 2>&1 &
        for i in $(seq 50); do ip netns exec \(Self.namespace) python3 -c "import socket; socket.create_connection(('127.0.0.1', 8080), 1)" 2>/dev/null && exit 0; sleep 0.1; done
        exit 1
        """
        guard system(setup) == 0 else {
            close()
            throw POSIXError(.ENETUNREACH)
        }
    }

    func close() {
        _ = system("""
        ip netns pids \(Self.namespace) 2>/dev/null | xargs -r kill -9; ip route del \(Self.address)/32 2>/dev/null; \
        ip route del 169.254.169.254/32 via 203.0.113.2 2>/dev/null; ip link del sbxt-h 2>/dev/null; ip netns del \(Self.namespace) 2>/dev/null; true
        """)
    }

    /// The host's address on a bridge.
    static func gateway(of bridge: String) -> String? {
        firstAddress("ip -4 -o addr show dev \(bridge)")
    }

    /// One of the host's addresses on an interface that is neither loopback nor ours.
    static func otherHostAddress() -> String? {
        firstAddress("ip -4 -o addr show scope global | grep -v -e ' sbx' -e ' lo '")
    }

    private static func firstAddress(_ command: String) -> String? {
        guard let pipe = popen("\(command) | awk '{print $4}' | cut -d/ -f1 | head -1", "r") else { return nil }
        defer { pclose(pipe) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, pipe) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// What the host's firewall keeps of a sandbox goes with it, however it goes.
@Suite(.serialized) struct FirewallCleanupTests {
    static func chains() -> String { nft("list chains inet") }

    /// Everything of ours in the host's firewall: chains, sets, maps and their elements.
    static func table() -> String { nft("list table inet \(HostFirewall.table)") }

    private static func nft(_ arguments: String) -> String {
        guard let pipe = popen("nft \(arguments) 2>/dev/null", "r") else { return "" }
        defer { pclose(pipe) }
        var text = "", buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, 4096, pipe) != nil { text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return text
    }

    @Test func stopRemoveAndPruneReleaseTheRules() async throws {
        try await IsolationTests.requireIsolation()
        let stopped = try IsolationTests.sandbox(allow: ["10.0.0.1:80"])
        let removed = try IsolationTests.sandbox()
        let behindOurBack = try IsolationTests.sandbox(allow: ["10.0.0.2"])
        for sandbox in [stopped, removed, behindOurBack] { try await sandbox.start() }
        for sandbox in [stopped, removed, behindOurBack] { #expect(Self.chains().contains("s_\(sandbox.sandboxID)")) }
        // A stop takes away everything its admission made, in one nft: chains, sets, mappings.
        let isolated = try IsolationTests.sandbox()
        try await isolated.start()
        let addresses = [try await stopped.execute("hostname -i").output, try await isolated.execute("hostname -i").output]
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try await stopped.stop()
        try await isolated.stop()
        let table = Self.table()
        for id in [stopped.sandboxID, isolated.sandboxID] { #expect(!table.contains("_\(id)"), "\(id) left in\n\(table)") }
        for address in addresses { #expect(!table.contains("\(address) :"), "\(address) still mapped in\n\(table)") }
        let engine = try SandboxEngine()
        try await engine.remove(named: removed.name)
        #expect(!Self.chains().contains("s_\(removed.sandboxID)"))
        try await DockerClient.shared().removeContainer(behindOurBack.name)
        #expect(Self.chains().contains("s_\(behindOurBack.sandboxID)"), "docker rm knows nothing of our rules")
        // The next allow-list sandbox is likely given the freed address: it is admitted all the same,
        // with its own rules, not the stale ones.
        let next = try IsolationTests.sandbox(allow: ["10.0.0.3"])
        try await IsolationTests.with([next]) {
            let rules = try await next.currentPolicy().allow.map(\.description)
            #expect(rules == ["10.0.0.3"])
        }
        _ = try await engine.prune()
        #expect(!Self.chains().contains("s_\(behindOurBack.sandboxID)"))
        try? await behindOurBack.stop()
    }
}
