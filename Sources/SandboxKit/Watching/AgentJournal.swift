import Foundation

/// One tool call an agent made in a sandbox, as recorded by `sandbox mcp`.
public struct JournalEntry: Sendable, Codable, Equatable {
    public var time: Date
    public var client: String
    public var tool: String
    public var arguments: [String: String]
    public var result: String
    public var isError: Bool
    public var milliseconds: Int

    public init(time: Date = Date(), client: String, tool: String, arguments: [String: String], result: String,
                isError: Bool, milliseconds: Int) {
        self.time = time
        self.client = client
        self.tool = tool
        self.arguments = arguments
        self.result = result
        self.isError = isError
        self.milliseconds = milliseconds
    }
}

/// The JSON-lines journal of an agent's sandbox, under `$XDG_STATE_HOME/sandbox/journals/`,
/// so a person can watch from the TUI what an agent does.
public struct AgentJournal: Sendable {
    /// Arguments and results longer than this many UTF-8 bytes are cut in the journal, with their
    /// full size noted (the agent still gets all of it): a `write_file` body is never stored whole.
    public static let valueLimit = 4096
    public let url: URL

    public init(sandbox: String, directory: URL = AgentJournal.directory) {
        url = directory.appendingPathComponent("\(sandbox).jsonl")
    }

    public static var directory: URL { UserDirectories.state.appendingPathComponent("journals") }

    public func append(_ entry: JournalEntry) throws {
        var entry = entry
        entry.arguments = entry.arguments.mapValues(Self.capped)
        entry.result = Self.capped(entry.result)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var line = try Self.encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        if let handle = try? FileHandle(forWritingTo: url) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: url)
        }
    }

    /// `text` itself, or its first `valueLimit` bytes (whole characters) and "… <12,345,678 bytes>".
    static func capped(_ text: String) -> String {
        let size = text.utf8.count
        guard size > valueLimit else { return text }
        var end = text.utf8.index(text.startIndex, offsetBy: valueLimit)
        while end.samePosition(in: text) == nil { end = text.utf8.index(before: end) }  // whole characters only
        return text[..<end] + "… <\(grouped(size)) bytes>"
    }

    /// 12345678 as "12,345,678", the same in every locale.
    static func grouped(_ number: Int) -> String {
        var digits = String(number), out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }

    /// Entries written since byte `offset`, and the offset to read from next time.
    public func read(from offset: UInt64 = 0) -> (entries: [JournalEntry], next: UInt64) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return ([], offset) }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return ([], offset) }
        // Only whole lines: a writer may be half-way through one.
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return ([], offset) }
        let complete = data[data.startIndex...lastNewline]
        let entries = complete.split(separator: UInt8(ascii: "\n")).compactMap { try? Self.decoder.decode(JournalEntry.self, from: Data($0)) }
        return (entries, offset + UInt64(complete.count))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
