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
    /// Who owns it once extracted (the daemon extracts as root, keeping these).
    public var owner: TarOwner

    public init(path: String, kind: Kind = .file, mode: UInt32 = 0o644, mtime: Date = Date(), data: ByteBuffer = ByteBuffer(),
                owner: TarOwner = .root) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.owner = owner
        self.size = kind == .file ? data.readableBytes : 0
        self.mtime = mtime
        self.data = data
    }
}

/// An entry's numeric owner.
public struct TarOwner: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) { (self.uid, self.gid) = (uid, gid) }
    public static let root = TarOwner(uid: 0, gid: 0)
}

public enum TarError: Error, Equatable, CustomStringConvertible {
    case badChecksum(offset: Int)
    case badNumber(field: String, offset: Int)
    case truncated(offset: Int)
    case badPaxRecord(offset: Int)
    case metadataTooLarge(offset: Int)

    public var description: String {
        switch self {
        case .badChecksum(let offset): "tar header checksum mismatch at byte \(offset)"
        case .badNumber(let field, let offset): "tar header field \(field) is not a number at byte \(offset)"
        case .truncated(let offset): "tar archive ends early at byte \(offset)"
        case .badPaxRecord(let offset): "malformed pax header at byte \(offset)"
        case .metadataTooLarge(let offset): "tar extended header at byte \(offset) is larger than \(TarReader.maxMetadata / 1024) KiB"
        }
    }
}

/// Writes ustar headers, with a pax extended header in front whenever a name, link target or
/// size does not fit the classic fields. Bodies are written by the caller, followed by
/// ``Tar/padding(for:)`` zero bytes, and the archive ends with ``Tar/endOfArchive``.
public enum Tar {
    public static let blockSize = 512
    public static let endOfArchive = [UInt8](repeating: 0, count: 1024)

    /// The largest id the ustar uid and gid fields hold (7 octal digits); a pax record holds more.
    static let maxOwnerID: UInt32 = 0o7777777

    public static func padding(for size: Int) -> Int { (blockSize - size % blockSize) % blockSize }

    /// The header block(s) for an entry of `size` bytes.
    public static func header(path: String, kind: TarEntry.Kind, mode: UInt32, size: Int, mtime: Date, owner: TarOwner = .root) -> [UInt8] {
        var link: [UInt8] = []
        if case .symlink(let target) = kind { link = Array(target.utf8) }
        if case .hardlink(let target) = kind { link = Array(target.utf8) }
        return header(name: Array(path.utf8), typeFlag: typeFlag(kind), linkTarget: link, mode: mode, size: size, mtime: mtime, owner: owner)
    }

    /// The header block(s) for raw name bytes (tests craft names a string cannot hold).
    public static func header(name: [UInt8], typeFlag: UInt8, linkTarget link: [UInt8] = [], mode: UInt32, size: Int, mtime: Date,
                              owner: TarOwner = .root) -> [UInt8] {
        var pax: [(String, [UInt8])] = []
        if name.count > 100 { pax.append(("path", name)) }
        if link.count > 100 { pax.append(("linkpath", link)) }
        if size > 0o77777777777 { pax.append(("size", Array(String(size).utf8))) }
        if owner.uid > maxOwnerID { pax.append(("uid", Array(String(owner.uid).utf8))) }
        if owner.gid > maxOwnerID { pax.append(("gid", Array(String(owner.gid).utf8))) }

        var out: [UInt8] = []
        if !pax.isEmpty {
            let records = pax.flatMap { paxRecord($0.0, $0.1) }
            out += ustarBlock(name: Array((Array("PaxHeaders/".utf8) + name.suffix(80)).prefix(100)), type: UInt8(ascii: "x"),
                              mode: 0o644, size: records.count, mtime: mtime, link: [], owner: .root)
            out += records
            out += [UInt8](repeating: 0, count: padding(for: records.count))
        }
        out += ustarBlock(name: Array(name.prefix(100)), type: typeFlag, mode: mode,
                          size: size > 0o77777777777 ? 0 : size, mtime: mtime, link: Array(link.prefix(100)), owner: owner)
        return out
    }

    /// A whole archive in memory (build contexts, tests). Large files should stream instead.
    public static func archive(_ entries: [TarEntry]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for entry in entries {
            buffer.writeBytes(header(path: entry.path, kind: entry.kind, mode: entry.mode, size: entry.size, mtime: entry.mtime, owner: entry.owner))
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
    private static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = 1 + key.utf8.count + 1 + value.count + 1
        var length = body + String(body).count
        if String(length).count != String(body).count { length = body + String(length).count }
        return Array("\(length) \(key)=".utf8) + value + [UInt8(ascii: "\n")]
    }

    private static func ustarBlock(name: [UInt8], type: UInt8, mode: UInt32, size: Int, mtime: Date, link: [UInt8], owner: TarOwner) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(Int(mode & 0o7777), width: 8), at: 100)
        put(octal(owner.uid > maxOwnerID ? 0 : Int(owner.uid), width: 8), at: 108)  // larger ones go in the pax header
        put(octal(owner.gid > maxOwnerID ? 0 : Int(owner.gid), width: 8), at: 116)
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

    /// Parses a whole archive in memory (names decoded leniently). Malformed input is an error,
    /// never a crash. Large or untrusted archives should go through ``TarReader`` as a stream.
    public static func read(_ buffer: ByteBuffer) throws -> [TarEntry] {
        var reader = TarReader()
        reader.append(buffer)
        var entries: [TarEntry] = []
        while let event = try reader.next() {
            switch event {
            case .header(let header):
                var entry = TarEntry(path: String(decoding: header.name, as: UTF8.self), kind: header.kind, mode: header.mode,
                                     mtime: Date(timeIntervalSince1970: TimeInterval(header.mtime)))
                entry.size = header.size
                entries.append(entry)
            case .data(var chunk):
                guard let last = entries.indices.last, entries[last].kind == .file else { break }
                if entries[last].data.readableBytes == 0 { entries[last].data = chunk } else { entries[last].data.writeBuffer(&chunk) }
            case .endOfEntry:
                break
            }
        }
        try reader.finish()
        return entries
    }
}
