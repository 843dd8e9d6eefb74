import NIOCore

/// One entry's header as the archive spells it: names stay raw bytes, so a caller can refuse
/// names that are not valid UTF-8 instead of letting two of them decode to the same string.
public struct TarHeader: Sendable, Equatable {
    /// The entry's name (pax `path`, GNU long name, or ustar prefix + name), without a
    /// directory's trailing slash.
    public var name: [UInt8]
    /// The target of a symbolic or hard link.
    public var linkTarget: [UInt8]
    public var typeFlag: UInt8
    public var mode: UInt32
    public var size: Int
    /// Seconds since 1970.
    public var mtime: Int

    /// The kind, with link targets decoded leniently (for callers that only display them).
    public var kind: TarEntry.Kind {
        let link = String(decoding: linkTarget, as: UTF8.self)
        switch typeFlag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): return .file
        case UInt8(ascii: "1"): return .hardlink(target: link)
        case UInt8(ascii: "2"): return .symlink(target: link)
        case UInt8(ascii: "5"): return .directory
        default: return .other(typeFlag)
        }
    }
}

/// An incremental tar parser: ``append(_:)`` chunks as they arrive, then call ``next()`` until it
/// answers nil (it needs more input), and ``finish()`` when the input ends. It holds at most one
/// header block plus one metadata record (pax or GNU long name, capped at ``maxMetadata``): file
/// data is handed on as slices of the input, never gathered.
public struct TarReader {
    public enum Event: Sendable, Equatable {
        /// A new entry; its `size` bytes of data follow as ``data(_:)`` events.
        case header(TarHeader)
        case data(ByteBuffer)
        /// The current entry's data is complete.
        case endOfEntry
    }

    /// The largest pax or GNU long-name record accepted.
    public static let maxMetadata = 1024 * 1024

    private enum State {
        case header
        case metadata(type: UInt8, size: Int)
        case data(remaining: Int)
        case padding(Int)
        case ended
    }

    private var buffer = ByteBuffer()
    private var state = State.header
    /// Bytes of the archive consumed so far, and where the current entry's header began.
    private var offset = 0
    private var entryOffset = 0
    private var pax: [String: [UInt8]] = [:]
    private var longName: [UInt8]?
    private var longLink: [UInt8]?

    public init() {}

    /// True once the end-of-archive block has been read; anything after it is ignored.
    public var isAtEnd: Bool { if case .ended = state { true } else { false } }

    /// Input held but not yet handed on: under a block, or one metadata record.
    public var bufferedBytes: Int { buffer.readableBytes }

    public mutating func append(_ chunk: ByteBuffer) {
        if case .ended = state { return }
        if buffer.readableBytes == 0 { buffer = chunk; return }
        var chunk = chunk
        buffer.discardReadBytes()  // keeps only the unread tail (under a block, or one metadata record)
        buffer.writeBuffer(&chunk)
    }

    /// The next event, or nil when more input is needed (or the archive has ended).
    public mutating func next() throws -> Event? {
        while true {
            switch state {
            case .ended:
                return nil
            case .data(let remaining):
                if remaining == 0 {
                    state = .padding(Tar.padding(for: entrySize))
                    return .endOfEntry
                }
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                let slice = take(count)
                state = .data(remaining: remaining - count)
                return .data(slice)
            case .padding(let count):
                let skip = min(count, buffer.readableBytes)
                _ = take(skip)
                if skip < count { state = .padding(count - skip); return nil }
                state = .header
            case .metadata(let type, let size):
                let padded = size + Tar.padding(for: size)
                guard buffer.readableBytes >= padded else { return nil }
                let record = take(size)
                _ = take(padded - size)
                try absorb(type: type, record: record)
                state = .header
            case .header:
                guard buffer.readableBytes >= Tar.blockSize else { return nil }
                entryOffset = offset
                let block = Array(take(Tar.blockSize).readableBytesView)
                if block.allSatisfy({ $0 == 0 }) {
                    state = .ended
                    buffer = ByteBuffer()
                    return nil
                }
                if let header = try parse(block) { return .header(header) }
            }
        }
    }

    /// Call when the input has ended: an archive cut inside an entry is an error.
    public func finish() throws {
        switch state {
        case .ended: return
        case .header where buffer.readableBytes == 0: return  // no end blocks, but whole
        default: throw TarError.truncated(offset: entryOffset)
        }
    }

    // MARK: Parsing

    private var entrySize = 0

    private mutating func take(_ count: Int) -> ByteBuffer {
        offset += count
        return buffer.readSlice(length: count) ?? ByteBuffer()
    }

    /// The entry a header block announces, or nil for a metadata block (pax, GNU long names),
    /// whose record is read next.
    private mutating func parse(_ block: [UInt8]) throws -> TarHeader? {
        let at = entryOffset
        try Self.verifyChecksum(block, offset: at)
        let type = block[156]
        var size = try Self.number(block[124..<136], field: "size", offset: at)
        switch type {
        case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            guard size <= Self.maxMetadata else { throw TarError.metadataTooLarge(offset: at) }
            state = .metadata(type: type, size: size)
            return nil
        default: break
        }
        if let paxSize = pax["size"] {
            guard let value = Self.decimal(paxSize) else { throw TarError.badPaxRecord(offset: at) }
            size = value
        }
        var name = pax["path"] ?? longName ?? Self.ustarName(block)
        let link = pax["linkpath"] ?? longLink ?? Self.cString(block[157..<257])
        if type == UInt8(ascii: "5") { while name.count > 1, name.last == UInt8(ascii: "/") { name.removeLast() } }
        let header = TarHeader(
            name: name, linkTarget: link, typeFlag: type,
            mode: UInt32(truncatingIfNeeded: try Self.number(block[100..<108], field: "mode", offset: at)),
            size: size, mtime: try Self.number(block[136..<148], field: "mtime", offset: at))
        pax = [:]; longName = nil; longLink = nil
        entrySize = size
        state = .data(remaining: size)
        return header
    }

    private mutating func absorb(type: UInt8, record: ByteBuffer) throws {
        let bytes = Array(record.readableBytesView)
        switch type {
        case UInt8(ascii: "x"): pax = try Self.paxRecords(bytes, offset: entryOffset)
        case UInt8(ascii: "L"): longName = Self.cString(bytes[...])
        case UInt8(ascii: "K"): longLink = Self.cString(bytes[...])
        default: break  // global pax headers carry nothing we use
        }
    }

    private static func verifyChecksum(_ block: [UInt8], offset: Int) throws {
        // The checksum field counts as spaces. A plain loop: this runs once per entry.
        let sum = block.withUnsafeBytes { bytes in
            var sum = 8 * 0x20
            for i in 0..<148 { sum += Int(bytes[i]) }
            for i in 156..<Tar.blockSize { sum += Int(bytes[i]) }
            return sum
        }
        let stored = try number(block[148..<156], field: "checksum", offset: offset)
        if stored != sum { throw TarError.badChecksum(offset: offset) }
    }

    /// Octal, space/NUL padded, or GNU base-256 for large values (negative ones are refused).
    private static func number(_ field: ArraySlice<UInt8>, field name: String, offset: Int) throws -> Int {
        if let first = field.first, first & 0x80 != 0 {
            guard first & 0x40 == 0 else { throw TarError.badNumber(field: name, offset: offset) }
            var value = Int(first & 0x3F)
            for byte in field.dropFirst() {
                guard value <= Int.max >> 8 else { throw TarError.badNumber(field: name, offset: offset) }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let digits = field.filter { $0 != 0 && $0 != 0x20 }
        if digits.isEmpty { return 0 }
        guard let value = Int(String(decoding: digits, as: UTF8.self), radix: 8), value >= 0 else {
            throw TarError.badNumber(field: name, offset: offset)
        }
        return value
    }

    /// A non-negative decimal number and nothing else.
    private static func decimal(_ bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(String(decoding: bytes, as: UTF8.self))
    }

    private static func ustarName(_ block: [UInt8]) -> [UInt8] {
        let name = cString(block[0..<100])
        guard block[257..<262].elementsEqual("ustar".utf8) else { return name }
        let prefix = cString(block[345..<500])
        return prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }

    /// "LEN key=value\n" records, LEN counting the whole record.
    private static func paxRecords(_ bytes: [UInt8], offset: Int) throws -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var rest = bytes[...]
        while !rest.isEmpty {
            guard let space = rest.firstIndex(of: 0x20),
                  let length = decimal(Array(rest[rest.startIndex..<space])),
                  length > space - rest.startIndex + 1, length <= rest.count,
                  rest[rest.startIndex + length - 1] == UInt8(ascii: "\n")
            else { throw TarError.badPaxRecord(offset: offset) }
            let record = rest[(space + 1)..<(rest.startIndex + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw TarError.badPaxRecord(offset: offset) }
            records[String(decoding: record[..<equals], as: UTF8.self)] = Array(record[(equals + 1)...])
            rest = rest[(rest.startIndex + length)...]
        }
        return records
    }
}
