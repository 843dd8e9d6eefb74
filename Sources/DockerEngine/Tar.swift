import Foundation
import NIOCore
import NIOFoundationCompat

/// One entry of a tar archive.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory, symlink(target: String), hardlink(target: String), other(UInt8)
    }
    public var path: String
    public var kind: Kind
    public var mode: UInt32
    public var size: Int
    public var mtime: Date
    public var data: ByteBuffer

    public init(path: String, kind: Kind = .file, mode: UInt32 = 0o644, mtime: Date = Date(), data: ByteBuffer = ByteBuffer()) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.size = kind == .file ? data.readableBytes : 0
        self.mtime = mtime
        self.data = data
    }
}

public enum TarError: Error, Equatable, CustomStringConvertible {
    case badChecksum(offset: Int)
    case badNumber(field: String, offset: Int)
    case truncated(offset: Int)
    case badPaxRecord(offset: Int)

    public var description: String {
        switch self {
        case .badChecksum(let offset): "tar header checksum mismatch at byte \(offset)"
        case .badNumber(let field, let offset): "tar header field \(field) is not a number at byte \(offset)"
        case .truncated(let offset): "tar archive ends early at byte \(offset)"
        case .badPaxRecord(let offset): "malformed pax header at byte \(offset)"
        }
    }
}

/// Writes ustar headers, with a pax extended header in front whenever a name, link target or
/// size does not fit the classic fields. Bodies are written by the caller, followed by
/// ``Tar/padding(for:)`` zero bytes, and the archive ends with ``Tar/endOfArchive``.
public enum Tar {
    public static let blockSize = 512
    public static let endOfArchive = [UInt8](repeating: 0, count: 1024)

    public static func padding(for size: Int) -> Int { (blockSize - size % blockSize) % blockSize }

    /// The header block(s) for an entry of `size` bytes.
    public static func header(path: String, kind: TarEntry.Kind, mode: UInt32, size: Int, mtime: Date) -> [UInt8] {
        var pax: [(String, String)] = []
        let name = Array(path.utf8)
        var link: [UInt8] = []
        if case .symlink(let target) = kind { link = Array(target.utf8) }
        if case .hardlink(let target) = kind { link = Array(target.utf8) }
        if name.count > 100 { pax.append(("path", path)) }
        if link.count > 100 { pax.append(("linkpath", String(decoding: link, as: UTF8.self))) }
        if size > 0o77777777777 { pax.append(("size", String(size))) }

        var out: [UInt8] = []
        if !pax.isEmpty {
            let records = pax.flatMap { paxRecord($0.0, $0.1) }
            out += ustarBlock(name: Array("PaxHeaders/\(path.utf8.suffix(80))".utf8.prefix(100)), type: UInt8(ascii: "x"),
                              mode: 0o644, size: records.count, mtime: mtime, link: [])
            out += records
            out += [UInt8](repeating: 0, count: padding(for: records.count))
        }
        out += ustarBlock(name: Array(name.prefix(100)), type: typeFlag(kind), mode: mode,
                          size: size > 0o77777777777 ? 0 : size, mtime: mtime, link: Array(link.prefix(100)))
        return out
    }

    /// A whole archive in memory (build contexts, tests). Large files should stream instead.
    public static func archive(_ entries: [TarEntry]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for entry in entries {
            buffer.writeBytes(header(path: entry.path, kind: entry.kind, mode: entry.mode, size: entry.size, mtime: entry.mtime))
            if entry.kind == .file {
                buffer.writeImmutableBuffer(entry.data)
                buffer.writeRepeatingByte(0, count: padding(for: entry.size))
            }
        }
        buffer.writeBytes(endOfArchive)
        return buffer
    }

    private static func typeFlag(_ kind: TarEntry.Kind) -> UInt8 {
        switch kind {
        case .file: UInt8(ascii: "0")
        case .hardlink: UInt8(ascii: "1")
        case .symlink: UInt8(ascii: "2")
        case .directory: UInt8(ascii: "5")
        case .other(let flag): flag
        }
    }

    /// "LEN key=value\n" where LEN counts itself.
    private static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n".utf8.count
        var length = body + String(body).count
        if String(length).count != String(body).count { length = body + String(length).count }
        return Array("\(length) \(key)=\(value)\n".utf8)
    }

    private static func ustarBlock(name: [UInt8], type: UInt8, mode: UInt32, size: Int, mtime: Date, link: [UInt8]) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(Int(mode & 0o7777), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid root
        put(octal(0, width: 8), at: 116)  // gid root
        put(octal(size, width: 12), at: 124)
        put(octal(max(0, Int(mtime.timeIntervalSince1970)), width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        block[156] = type
        put(link, at: 157)
        put(Array("ustar\u{0}00".utf8), at: 257)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: max(0, 6 - String(sum, radix: 8).count)) + String(sum, radix: 8)).utf8) + [0, 0x20], at: 148)
        return block
    }

    // MARK: Reading

    /// Parses a whole archive. Malformed input is an error, never a crash.
    public static func read(_ buffer: ByteBuffer) throws -> [TarEntry] {
        var entries: [TarEntry] = []
        var offset = buffer.readerIndex
        let end = buffer.writerIndex
        var paxPath: String?, paxLink: String?, paxSize: Int?
        var longName: String?, longLink: String?

        while offset + blockSize <= end {
            guard let block = buffer.getBytes(at: offset, length: blockSize) else { throw TarError.truncated(offset: offset) }
            if block.allSatisfy({ $0 == 0 }) { break }
            try verifyChecksum(block, offset: offset)
            let type = block[156]
            let headerSize = try number(block[124..<136], field: "size", offset: offset)
            let size = paxSize ?? headerSize
            let dataStart = offset + blockSize
            guard size >= 0, size <= end - dataStart else { throw TarError.truncated(offset: offset) }
            let data = buffer.getSlice(at: dataStart, length: size) ?? ByteBuffer()
            offset = dataStart + size + padding(for: size)

            switch type {
            case UInt8(ascii: "x"):
                let records = try paxRecords(data, offset: dataStart)
                paxPath = records["path"]; paxLink = records["linkpath"]; paxSize = records["size"].flatMap { Int($0) }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                longName = cString(Array(data.readableBytesView)); continue
            case UInt8(ascii: "K"):
                longLink = cString(Array(data.readableBytesView)); continue
            default: break
            }

            var path = paxPath ?? longName ?? ustarName(block)
            let link = paxLink ?? longLink ?? cString(Array(block[157..<257]))
            let kind: TarEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "1"): kind = .hardlink(target: link)
            case UInt8(ascii: "2"): kind = .symlink(target: link)
            case UInt8(ascii: "5"): kind = .directory
            default: kind = .other(type)
            }
            if kind == .directory, path.hasSuffix("/") { path.removeLast() }
            let mode = UInt32(truncatingIfNeeded: try number(block[100..<108], field: "mode", offset: offset))
            let mtime = try number(block[136..<148], field: "mtime", offset: offset)
            var entry = TarEntry(path: path, kind: kind, mode: mode, mtime: Date(timeIntervalSince1970: TimeInterval(mtime)),
                                 data: kind == .file ? data : ByteBuffer())
            entry.size = size
            entries.append(entry)
            paxPath = nil; paxLink = nil; paxSize = nil; longName = nil; longLink = nil
        }
        return entries
    }

    private static func verifyChecksum(_ block: [UInt8], offset: Int) throws {
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(byte) }
        let stored = try number(block[148..<156], field: "checksum", offset: offset)
        if stored != sum { throw TarError.badChecksum(offset: offset) }
    }

    /// Octal, space/NUL padded, or GNU base-256 for large values.
    private static func number(_ field: ArraySlice<UInt8>, field name: String, offset: Int) throws -> Int {
        if let first = field.first, first & 0x80 != 0 {
            var value = Int(first & 0x7F)
            for byte in field.dropFirst() {
                guard value <= Int.max >> 8 else { throw TarError.badNumber(field: name, offset: offset) }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let text = String(decoding: field.filter { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
        if text.isEmpty { return 0 }
        guard let value = Int(text, radix: 8) else { throw TarError.badNumber(field: name, offset: offset) }
        return value
    }

    private static func ustarName(_ block: [UInt8]) -> String {
        let name = cString(Array(block[0..<100]))
        let isUstar = block[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? cString(Array(block[345..<500])) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func cString(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func paxRecords(_ data: ByteBuffer, offset: Int) throws -> [String: String] {
        var records: [String: String] = [:]
        var bytes = data.readableBytesView[...]
        while !bytes.isEmpty {
            guard let space = bytes.firstIndex(of: 0x20),
                  let length = Int(String(decoding: bytes[bytes.startIndex..<space], as: UTF8.self)),
                  length > space - bytes.startIndex + 1, length <= bytes.count
            else { throw TarError.badPaxRecord(offset: offset) }
            let record = bytes[(space + 1)..<(bytes.startIndex + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw TarError.badPaxRecord(offset: offset) }
            records[String(decoding: record[..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            bytes = bytes[(bytes.startIndex + length)...]
        }
        return records
    }
}
