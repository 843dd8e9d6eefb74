import Foundation
import Synchronization

/// One denied attempt of a sandbox to reach out, as the egress guard records it.
public struct EgressRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A name looked up that no rule allows.
        case dns
        /// An HTTP request whose Host no rule allows (port 80).
        case http
        /// A TLS connection whose server name no rule allows (port 443).
        case tls
        /// A connection to an address and port no rule allows.
        case connection
    }

    public var time: Date
    public var kind: Kind
    /// What was asked for: a name, or `address:port/protocol`.
    public var destination: String
    /// More of what was asked (the query type, the address a name was sent to).
    public var detail: String

    public init(time: Date = Date(), kind: Kind, destination: String, detail: String = "") {
        (self.time, self.kind, self.destination, self.detail) = (time, kind, destination, detail)
    }

    /// `2026-12-07T15:04:05Z  dns  evil.example  A`; what a sandbox asked for is made safe to print.
    public var line: String {
        let stamp = ISO8601DateFormatter().string(from: time)
        return [stamp, kind.rawValue, TerminalText.oneLine(destination), TerminalText.oneLine(detail)].filter { !$0.isEmpty }.joined(separator: "  ")
    }
}

/// The records of one sandbox, a JSON line each, kept on the host beside the firewall's state:
/// at most ``limit`` bytes in the current file and as much in the one before it.
public enum EgressLog {
    static let limit = 1 << 20
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Where a sandbox's record is; an id that is not one (from a label anyone may write) names
    /// no file at all.
    static func path(_ sandboxID: String) -> String {
        HostFirewall.isSandboxID(sandboxID) ? "\(NetworkState.directory)/egress/\(sandboxID).jsonl" : "/nonexistent/sandbox-egress"
    }

    /// Appends `record` (the guard's side; one writer per host).
    static func append(_ record: EgressRecord, sandboxID: String) {
        let path = path(sandboxID)
        guard var line = try? encoder.encode(record) else { return }
        line.append(0x0A)
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size + line.count > limit {
            _ = rename(path, path + ".1")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// What is recorded for `sandboxID`, oldest first, and the offset to read on from. A line
    /// that does not decode (cut by a crash) is skipped.
    public static func read(sandboxID: String, from offset: UInt64 = 0) -> (records: [EgressRecord], next: UInt64) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var records: [EgressRecord] = []
        if offset == 0, let older = FileManager.default.contents(atPath: path(sandboxID) + ".1") {
            records += decode(older, decoder)
        }
        guard let handle = FileHandle(forReadingAtPath: path(sandboxID)) else { return (records, 0) }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        // Rotated since the last read: start over in the new file.
        let start = offset <= size ? offset : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        // Only whole lines: a line being written is read next time.
        let whole = data.lastIndex(of: 0x0A).map { data[...$0] } ?? Data()
        return (records + decode(Data(whole), decoder), start + UInt64(whole.count))
    }

    /// How many records the current file holds: a stat when it has not grown since the last count,
    /// else only what was appended is read (the list asks at every poll).
    public static func count(_ sandboxID: String) -> Int {
        let path = path(sandboxID)
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        let size = Int(info.st_size)
        let known = counts.withLock { $0[sandboxID] } ?? (size: 0, lines: 0)
        if known.size == size { return known.lines }
        let from = known.size < size ? known.size : 0  // shrunk: rotated, count afresh
        guard let handle = FileHandle(forReadingAtPath: path) else { return known.lines }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(from))
        let added = (try? handle.read(upToCount: size - from)) ?? Data()
        let lines = (from == 0 ? 0 : known.lines) + added.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        counts.withLock {
            if $0.count > 4096 { $0.removeAll() }
            $0[sandboxID] = (from + added.count, lines)
        }
        return lines
    }

    private static let counts = Mutex<[String: (size: Int, lines: Int)]>([:])

    private static func decode(_ data: Data, _ decoder: JSONDecoder) -> [EgressRecord] {
        data.split(separator: 0x0A).compactMap { try? decoder.decode(EgressRecord.self, from: Data($0)) }
    }
}

/// What the engine tells the guard about an allow-list sandbox: a file per address under
/// ``directory``/policy, written at its admission, removed at its release.
struct NetworkState: Codable, Sendable {
    static let directory = ProcessInfo.processInfo.environment["SANDBOX_NET_STATE"] ?? "/run/sandbox-net"

    var sandboxID: String
    var name: String
    var policy: NetworkPolicy

    static func path(_ address: IPv4Address) -> String { "\(directory)/policy/\(address)" }

    static func prepareDirectories() throws {
        for sub in ["", "/policy", "/egress"] {
            try FileManager.default.createDirectory(atPath: directory + sub, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }

    func write(for address: IPv4Address) throws {
        try NetworkState.prepareDirectories()
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: Self.path(address)), options: .atomic)
    }

    /// The file as last read, by address, with the change time it had: a lookup per query or
    /// connection costs a stat, not a parse.
    private static let cache = Mutex<[IPv4Address: (changed: timespec, state: NetworkState)]>([:])

    static func read(_ address: IPv4Address) -> NetworkState? {
        var info = stat()
        guard stat(path(address), &info) == 0 else {
            cache.withLock { _ = $0.removeValue(forKey: address) }
            return nil
        }
        if let cached = cache.withLock({ $0[address] }), cached.changed.tv_sec == info.st_ctim.tv_sec, cached.changed.tv_nsec == info.st_ctim.tv_nsec {
            return cached.state
        }
        guard let state = FileManager.default.contents(atPath: path(address)).flatMap({ try? JSONDecoder().decode(NetworkState.self, from: $0) })
        else { return nil }
        cache.withLock { $0[address] = (info.st_ctim, state) }
        return state
    }

    static func remove(_ address: IPv4Address, sandboxID: String) {
        if read(address)?.sandboxID == sandboxID { unlink(path(address)) }
    }
}
