import Foundation
import NIOCore
import NIOFoundationCompat

/// One message of the JSON progress streams of `/images/create` and `/build`.
public struct JSONMessage: Decodable, Sendable, Equatable {
    public var stream: String?
    public var status: String?
    public var progress: String?
    public var id: String?
    public var error: String?
    public var errorDetail: ErrorDetail?
    public var aux: Aux?

    public struct ErrorDetail: Decodable, Sendable, Equatable { public var message: String? }
    public struct Aux: Decodable, Sendable, Equatable { public var ID: String? }

    public init(stream: String? = nil, status: String? = nil, error: String? = nil) {
        (self.stream, self.status, self.error) = (stream, status, error)
    }

    /// The failure this message reports, if any (the daemon answers 200 and reports errors inline).
    public var failure: String? { error ?? errorDetail?.message }
}

/// Splits a byte stream into newline-delimited JSON messages, across chunk boundaries.
/// A line that is not a JSON message is kept as plain text rather than failing the stream.
public struct JSONMessageDecoder: Sendable {
    private var lines = LineSplitter()
    /// Longest line held while waiting for its newline; a longer one is cut there.
    public static let maxLine = LineSplitter.maxLine

    public init() {}

    public mutating func feed(_ chunk: ByteBuffer) -> [JSONMessage] {
        lines.feed(chunk).compactMap(Self.parse)
    }

    public mutating func finish() -> [JSONMessage] {
        lines.finish().flatMap(Self.parse).map { [$0] } ?? []
    }

    static func parse(_ line: [UInt8]) -> JSONMessage? {
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x0D }
        guard !trimmed.isEmpty else { return nil }
        if let message = try? JSONDecoder().decode(JSONMessage.self, from: Data(trimmed)) { return message }
        return JSONMessage(stream: String(decoding: trimmed, as: UTF8.self) + "\n")
    }
}

/// Splits a byte stream into lines across chunk boundaries (the newline-delimited JSON of the
/// progress and event streams). A line longer than `maxLine` keeps only its start: a daemon
/// cannot make us hold an unbounded line.
struct LineSplitter: Sendable {
    static let maxLine = 4 * 1024 * 1024
    private var partial: [UInt8] = []

    mutating func feed(_ chunk: ByteBuffer) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in chunk.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                lines.append(partial)
                partial.removeAll(keepingCapacity: true)
            } else if partial.count < Self.maxLine {
                partial.append(byte)
            }
        }
        return lines
    }

    /// The unterminated last line, if any.
    mutating func finish() -> [UInt8]? {
        defer { partial = [] }
        return partial.isEmpty ? nil : partial
    }
}
