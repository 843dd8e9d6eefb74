import Foundation
import Synchronization

/// The host side of allow-lists that name hosts (`sandbox netd`, which the engine starts when the
/// first such sandbox is made): on the allow-list bridge's address it is
///
/// - the sandboxes' resolver (UDP 53; Docker's embedded DNS forwards to it from the sandbox's own
///   address): a name no rule of that sandbox allows is refused and recorded, whatever its type, so
///   nothing leaves through queries; an allowed one is answered from `--add-host` or the host's
///   resolvers, and the addresses in the answer are let through the firewall for that sandbox and
///   the rule's ports, for as long as the answer lives;
/// - a proxy for ports 80 and 443 (the firewall sends such connections to allowed addresses here):
///   the request's Host or the ClientHello's server name must be one the sandbox may reach, else
///   the connection is refused and recorded (no domain fronting through an allowed address).
///
/// It runs as root on the host, out of every sandbox's reach; if it is not running, names resolve
/// to nothing and web connections are refused: closed, never open. Everything a sandbox sends it is
/// parsed bounds-checked (``DNSQuery``, ``RequestedHost``).
public final class EgressGuard: Sendable {
    /// Ports the firewall redirects 80 and 443 to, on the gateway.
    public static let httpPort: UInt16 = 15080
    public static let tlsPort: UInt16 = 15443
    /// Bumped when the guard's contract with the engine changes; a guard of another version is replaced.
    public static let version = "3"
    static let lockPath = "\(NetworkState.directory)/netd.lock"
    /// Queries and connections in progress at once, in all and from one sandbox: one that floods
    /// the guard is refused beyond its share, and the others keep theirs.
    static let connectionLimit = 512
    static let perSourceLimit = 64

    let gateway: IPv4Address
    let upstream: [IPv4Address]
    private let inFlight = Mutex<(total: Int, bySource: [IPv4Address: Int])>((0, [:]))

    /// Takes a share for `source`, or says there is none left.
    private func take(_ source: IPv4Address) -> Bool {
        inFlight.withLock { counts in
            let mine = counts.bySource[source, default: 0]
            guard counts.total < Self.connectionLimit, mine < Self.perSourceLimit else { return false }
            counts.total += 1
            counts.bySource[source] = mine + 1
            return true
        }
    }

    private func give(_ source: IPv4Address) {
        inFlight.withLock { counts in
            counts.total -= 1
            let left = counts.bySource[source, default: 1] - 1
            counts.bySource[source] = left > 0 ? left : nil
        }
    }

    public init(gateway: IPv4Address, upstream: [IPv4Address]? = nil) {
        self.gateway = gateway
        self.upstream = upstream ?? Self.hostResolvers()
    }

    /// The host's resolvers (`SANDBOX_NET_UPSTREAM`, comma-separated, else /etc/resolv.conf's).
    static func hostResolvers() -> [IPv4Address] {
        if let listed = ProcessInfo.processInfo.environment["SANDBOX_NET_UPSTREAM"] {
            return listed.split(separator: ",").compactMap { IPv4Address(parsing: String($0)) }
        }
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return words.count >= 2 && words[0] == "nameserver" ? IPv4Address(parsing: String(words[1])) : nil
        }
    }

    /// Binds its sockets, takes the lock that tells the engine it runs, and serves until killed.
    public func run() throws -> Never {
        try NetworkState.prepareDirectories()
        // A guard being replaced may hold the ports a moment longer.
        let (dns, http, tls) = try Self.retrying { (try Self.bound(SOCK_DGRAM, gateway, 53), try Self.bound(SOCK_STREAM, gateway, Self.httpPort),
                                                    try Self.bound(SOCK_STREAM, gateway, Self.tlsPort)) }
        let lock = open(Self.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else { throw POSIXError(.EBUSY) }
        let stamp = "\(getpid()) \(Self.version) \(gateway)\n"
        _ = ftruncate(lock, 0)
        _ = stamp.withCString { write(lock, $0, strlen($0)) }
        signal(SIGPIPE, SIG_IGN)
        for (listener, tlsSide) in [(http, false), (tls, true)] {
            Thread.detachNewThread { self.accept(on: listener, tls: tlsSide) }
        }
        do {
            let packets = try PacketLog.open()
            Thread.detachNewThread { self.recordDrops(from: packets) }
        } catch {
            print("sandbox netd: dropped connections are not recorded: the kernel's packet log (NFLOG) refused: \(error)")
        }
        serveDNS(on: dns)
    }

    /// Records the connections the firewall drops, once per destination per five seconds (a
    /// connection's retries are one attempt).
    private func recordDrops(from socket: Int32) -> Never {
        var recent: [String: ContinuousClock.Instant] = [:]
        while true {
            for drop in PacketLog.receive(socket) where drop.prefix.hasPrefix("s_") {
                let sandboxID = String(drop.prefix.dropFirst(2))
                let key = sandboxID + " " + drop.target, now = ContinuousClock.now
                if let last = recent[key], now - last < .seconds(5) { continue }
                if recent.count > 4096 { recent = recent.filter { now - $0.value < .seconds(5) } }
                recent[key] = now
                EgressLog.append(EgressRecord(kind: .connection, destination: drop.target, detail: "dropped"), sandboxID: sandboxID)
            }
        }
    }

    // MARK: DNS

    private func serveDNS(on socket: Int32) -> Never {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket, &buffer, buffer.count, 0, $0, &length) }
            }
            guard n > 0 else { continue }
            let query = Array(buffer.prefix(n))
            let source = IPv4Address(UInt32(bigEndian: peer.sin_addr.s_addr))
            // Upstream answers take time: each query on a thread of its own, within its sandbox's share.
            guard take(source) else { continue }
            let (to, toLength) = (peer, length)
            Thread.detachNewThread {
                defer { self.give(source) }
                guard let answer = self.answer(query, from: source) else { return }
                var address = to
                _ = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socket, answer, answer.count, 0, $0, toLength) }
                }
            }
        }
    }

    /// The answer to `bytes` from `source`, or nil to say nothing (malformed). A source the engine
    /// has told nothing of (not admitted, or removed) is refused.
    func answer(_ bytes: [UInt8], from source: IPv4Address) -> [UInt8]? {
        guard let state = NetworkState.read(source) else { return DNSQuery(bytes)?.answer(rcode: 5) }
        guard let query = DNSQuery(bytes) else {
            EgressLog.append(EgressRecord(kind: .dns, destination: "(malformed query)", detail: "\(bytes.count) bytes"), sandboxID: state.sandboxID)
            return nil
        }
        let rules = state.policy.rules(allowing: query.name)
        guard !rules.isEmpty else {
            EgressLog.append(EgressRecord(kind: .dns, destination: query.name, detail: Self.typeName(query.type)), sandboxID: state.sandboxID)
            return query.answer(rcode: 5)
        }
        if query.type == DNSQuery.typeAAAA { return query.answer(rcode: 0) }  // no IPv6 is routed
        let aliases = state.policy.hosts.filter { $0.name == query.name }.map(\.address)
        if !aliases.isEmpty {
            guard query.type == DNSQuery.typeA else { return query.answer(rcode: 0) }
            learn(aliases.map { ($0, 300) }, for: state.sandboxID, rules: rules)
            return query.answer(rcode: 0, addresses: aliases, ttl: 300)
        }
        guard let reply = forward(bytes), let parsed = DNSAnswer(reply), parsed.id == query.id else { return query.answer(rcode: 2) }
        learn(parsed.addresses, for: state.sandboxID, rules: rules)
        return reply
    }

    static func typeName(_ type: UInt16) -> String {
        [1: "A", 28: "AAAA", 16: "TXT", 5: "CNAME", 15: "MX", 33: "SRV", 12: "PTR", 2: "NS", 65: "HTTPS", 64: "SVCB"][type] ?? "type \(type)"
    }

    /// The host's resolvers in turn, two seconds each.
    private func forward(_ query: [UInt8]) -> [UInt8]? {
        for server in upstream {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = Self.socketAddress(server, 53)
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0, send(fd, query, query.count, 0) == query.count else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { return Array(buffer.prefix(n)) }
        }
        return nil
    }

    /// Lets the sandbox reach `addresses` on the ports `rules` give, for their TTL (a minute at least,
    /// a day at most); web ports through the proxy.
    private func learn(_ addresses: [(IPv4Address, UInt32)], for sandboxID: String, rules: [EgressRule]) {
        guard !addresses.isEmpty else { return }
        let web = rules.contains { $0.port == nil || $0.port == 80 || $0.port == 443 }
        let script = addresses.map { address, ttl in
            let seconds = min(max(ttl, 60), 86_400) + 30
            var lines = rules.map { rule in
                let ports = rule.port.map { "\($0)" } ?? "0-65535"
                return "add element inet \(HostFirewall.table) \(HostFirewall.learnedSet(of: sandboxID)) { \(address) . \(ports) timeout \(seconds)s }"
            }
            if web { lines.append("add element inet \(HostFirewall.table) \(HostFirewall.webSet(of: sandboxID)) { \(address) timeout \(seconds)s }") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
        try? HostFirewall.apply(script + "\n")
    }

    // MARK: The proxy for ports 80 and 443

    private func accept(on listener: Int32, tls: Bool) {
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let client = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) } }
            guard client >= 0 else {
                if errno == EMFILE || errno == ENFILE { usleep(10_000) }  // out of descriptors: no spinning
                continue
            }
            let source = IPv4Address(UInt32(bigEndian: peer.sin_addr.s_addr))
            guard take(source) else {
                close(client)
                continue
            }
            Thread.detachNewThread {
                defer { self.give(source) }
                self.serve(client, tls: tls)
            }
        }
    }

    private func serve(_ client: Int32, tls: Bool) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let (source, destination, port) = Self.endpoints(of: client), let state = NetworkState.read(source) else { return }
        // The firewall sends here only what goes to an address this sandbox may reach: the connection
        // to it starts while the client's first flight comes, and carries nothing until its Host
        // or server name is allowed (a refused one leaves it closed, empty).
        let upstream = Self.startConnecting(to: destination, port)
        defer { if upstream >= 0 { close(upstream) } }
        var first: [UInt8] = []
        var requested = RequestedHost.incomplete
        var buffer = [UInt8](repeating: 0, count: 4096)
        while requested == .incomplete {
            let n = recv(client, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            first += buffer.prefix(n)
            requested = RequestedHost.parse(first, tls: tls)
        }
        let target = "\(destination):\(port)"
        guard case .name(let name) = requested, state.policy.rules(allowing: name).contains(where: { $0.port == nil || $0.port == port }) else {
            let asked = if case .name(let name) = requested { name } else { tls ? "(no server name)" : "(no Host header)" }
            EgressLog.append(EgressRecord(kind: tls ? .tls : .http, destination: asked, detail: "to \(target)"), sandboxID: state.sandboxID)
            if !tls { _ = Self.sendAll(client, Self.forbidden[...]) }
            return
        }
        guard Self.finishConnecting(upstream), Self.sendAll(upstream, first[...]) else { return }
        // What one side sent goes on at once: Nagle's wait for an acknowledgement is the two
        // ends' to choose, not a second one added by the relay in between.
        for fd in [client, upstream] {
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        var none = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        Self.relay(client, upstream)
    }

    /// A socket connecting to `address`:`port` without waiting; -1 when there is none to be had.
    private static func startConnecting(to address: IPv4Address, _ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var target = socketAddress(address, port)
        let started = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard started == 0 || errno == EINPROGRESS else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Waits (10 s at most) for ``startConnecting(to:_:)``'s connection; true once it is up, and blocking again for the relay.
    private static func finishConnecting(_ fd: Int32) -> Bool {
        guard fd >= 0 else { return false }
        var polled = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&polled, 1, 10_000) } while ready < 0 && errno == EINTR
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard ready == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0, failure == 0 else { return false }
        return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0
    }

    static let forbidden = Array("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 41\r\nConnection: close\r\n\r\nsandbox: this host is not on the allow-list".utf8)

    /// Copies both ways on this one thread until both sides have ended; an end is passed on as a
    /// half-close, so a client that stops sending still gets the rest of the answer.
    private static func relay(_ a: Int32, _ b: Int32) {
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var reading = [true, true]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while reading[0] || reading[1] {
            for side in 0..<2 { fds[side].events = reading[side] ? Int16(POLLIN) : 0 }
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            for side in 0..<2 where reading[side] && fds[side].revents != 0 {
                let n = recv(fds[side].fd, &buffer, buffer.count, 0)
                if n > 0 {
                    guard sendAll(fds[1 - side].fd, buffer[..<n]) else { return }
                } else if n == 0 || errno != EINTR {
                    reading[side] = false
                    shutdown(fds[1 - side].fd, Int32(SHUT_WR))
                }
            }
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var sent = bytes.startIndex
        while sent < bytes.endIndex {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// The connecting sandbox's address, and where it was going before the firewall sent it here.
    private static func endpoints(of fd: Int32) -> (IPv4Address, IPv4Address, UInt16)? {
        var peer = sockaddr_in(), original = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafeMutablePointer(to: &peer, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) } }) == 0 else { return nil }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let SO_ORIGINAL_DST: Int32 = 80
        guard getsockopt(fd, Int32(IPPROTO_IP), SO_ORIGINAL_DST, &original, &length) == 0 else { return nil }
        return (IPv4Address(UInt32(bigEndian: peer.sin_addr.s_addr)), IPv4Address(UInt32(bigEndian: original.sin_addr.s_addr)),
                UInt16(bigEndian: original.sin_port))
    }

    // MARK: Sockets

    private static func retrying<T>(_ body: () throws -> T) throws -> T {
        for _ in 0..<40 {
            if let value = try? body() { return value }
            usleep(50_000)
        }
        return try body()
    }

    static func socketAddress(_ address: IPv4Address, _ port: UInt16) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        result.sin_addr.s_addr = address.value.bigEndian
        return result
    }

    private static func bound(_ type: __socket_type, _ address: IPv4Address, _ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        // The bridge's address exists before its first sandbox, but a bridge that is down may not
        // have it assigned yet: bind it anyway.
        setsockopt(fd, Int32(IPPROTO_IP), IP_FREEBIND, &on, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = socketAddress(address, port)
        let result = withUnsafePointer(to: &socketAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard result == 0, type == SOCK_DGRAM || listen(fd, 256) == 0 else {
            let error = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EADDRINUSE)
        }
        return fd
    }
}
