import NIOCore
import NIOFoundationCompat

/// Which stream a frame of exec or log output came from.
public enum OutputStream: UInt8, Sendable {
    case stdin = 0, stdout = 1, stderr = 2
}

public struct OutputFrame: Sendable, Equatable {
    public var stream: OutputStream
    public var bytes: ByteBuffer
    public init(stream: OutputStream, bytes: ByteBuffer) { (self.stream, self.bytes) = (stream, bytes) }
}

public enum StreamDecodingError: Error, Equatable, CustomStringConvertible {
    case badStreamType(UInt8)
    case truncated(missing: Int)

    public var description: String {
        switch self {
        case .badStreamType(let type): "malformed output stream from the daemon (stream type \(type))"
        case .truncated(let missing): "output stream ended in the middle of a frame (\(missing) bytes missing)"
        }
    }
}

/// Decodes Docker's multiplexed stream (`[stream, 0, 0, 0, size: UInt32 BE]` then `size` bytes)
/// incrementally: input may be split anywhere, including inside a header.
///
/// Payloads are handed out as they arrive, so a frame split across chunks comes out as several
/// frames of the same stream; nothing waits for a whole frame.
public struct MultiplexedStreamDecoder: Sendable {
    private var header: [UInt8] = []
    private var stream: OutputStream = .stdout
    private var remaining = 0

    public init() {}

    public mutating func feed(_ chunk: ByteBuffer) throws -> [OutputFrame] {
        var input = chunk
        var frames: [OutputFrame] = []
        while input.readableBytes > 0 {
            if remaining > 0 {
                let take = min(remaining, input.readableBytes)
                frames.append(OutputFrame(stream: stream, bytes: input.readSlice(length: take)!))
                remaining -= take
                continue
            }
            let need = 8 - header.count
            let take = min(need, input.readableBytes)
            header += input.readBytes(length: take)!
            guard header.count == 8 else { break }
            guard header[1] == 0, header[2] == 0, header[3] == 0, let type = OutputStream(rawValue: header[0]) else {
                throw StreamDecodingError.badStreamType(header[0])
            }
            stream = type
            remaining = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            header.removeAll(keepingCapacity: true)
        }
        return frames
    }

    /// Call at end of input: a stream that stops inside a frame is an error.
    public func finish() throws {
        if remaining > 0 { throw StreamDecodingError.truncated(missing: remaining) }
        if !header.isEmpty { throw StreamDecodingError.truncated(missing: 8 - header.count) }
    }
}

/// Turns bytes into text across chunk boundaries: a UTF-8 character split between two chunks is
/// held back until it is whole; invalid bytes become U+FFFD.
public struct UTF8StreamDecoder: Sendable {
    private var carry: [UInt8] = []

    public init() {}

    public mutating func decode(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { decode(UnsafeRawBufferPointer($0)) }
    }

    public mutating func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        if carry.isEmpty {
            let cut = Self.completePrefixLength(bytes)
            carry = Array(bytes[cut...])
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<cut]), as: UTF8.self)
        }
        let joined = carry + Array(bytes)
        carry = []
        return joined.withUnsafeBytes { decode($0) }
    }

    /// What is left at end of input (an incomplete character becomes U+FFFD).
    public mutating func flush() -> String {
        defer { carry = [] }
        return carry.isEmpty ? "" : String(decoding: carry, as: UTF8.self)
    }

    /// Length of the prefix that does not end inside a multi-byte character.
    static func completePrefixLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var back = 1
        while back <= min(3, count) {
            let byte = bytes[count - back]
            if byte & 0xC0 != 0x80 {  // a lead byte or ASCII
                let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return width > back ? count - back : count
            }
            back += 1
        }
        return count
    }
}
