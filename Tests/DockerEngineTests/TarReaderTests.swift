import Foundation
import NIOCore
import Testing
@testable import DockerEngine

/// The streaming reader: any chunking gives the same entries, names stay raw bytes, malformed
/// input is a TarError, and what it holds stays bounded.
@Suite struct TarReaderTests {
    let mtime = Date(timeIntervalSince1970: 1_700_000_000)

    /// All events of `archive` fed in pieces of `chunk` bytes, data merged per entry.
    static func read(_ archive: ByteBuffer, chunk: Int) throws -> [(TarHeader, [UInt8])] {
        var reader = TarReader()
        var out: [(TarHeader, [UInt8])] = []
        var rest = archive
        var ended = 0
        while rest.readableBytes > 0 {
            reader.append(rest.readSlice(length: min(chunk, rest.readableBytes))!)
            while let event = try reader.next() {
                switch event {
                case .header(let header): out.append((header, []))
                case .data(let data): out[out.count - 1].1 += Array(data.readableBytesView)
                case .endOfEntry: ended += 1
                }
            }
        }
        try reader.finish()
        #expect(ended == out.count)
        return out
    }

    @Test func anyChunkingGivesTheSameEntries() throws {
        let archive = Tar.archive([
            TarEntry(path: "top", kind: .directory, mode: 0o755, mtime: mtime),
            TarEntry(path: "top/" + String(repeating: "n", count: 150), mtime: mtime, data: ByteBuffer(repeating: 9, count: 1500)),
            TarEntry(path: "top/link", kind: .symlink(target: String(repeating: "t", count: 130)), mtime: mtime),
            TarEntry(path: "top/empty", mtime: mtime),
        ])
        let whole = try Self.read(archive, chunk: archive.readableBytes)
        #expect(whole.map { String(decoding: $0.0.name, as: UTF8.self) } == ["top", "top/" + String(repeating: "n", count: 150), "top/link", "top/empty"])
        #expect(whole[1].1 == [UInt8](repeating: 9, count: 1500))
        #expect(whole[2].0.linkTarget == Array(String(repeating: "t", count: 130).utf8))
        for chunk in [1, 7, 511, 512, 513, 4096] {
            let pieces = try Self.read(archive, chunk: chunk)
            #expect(pieces.map(\.0) == whole.map(\.0), "chunk \(chunk)")
            #expect(pieces.map(\.1) == whole.map(\.1), "chunk \(chunk)")
        }
    }

    @Test func namesStayRawBytes() throws {
        var archive = ByteBuffer()
        for name: [UInt8] in [[0x61, 0xFF], [0x61, 0xFE], Array(repeating: 0xC3, count: 120)] {
            archive.writeBytes(Tar.header(name: name, typeFlag: UInt8(ascii: "0"), mode: 0o644, size: 0, mtime: mtime))
        }
        archive.writeBytes(Tar.endOfArchive)
        let names = try Self.read(archive, chunk: 100).map(\.0.name)
        #expect(names == [[0x61, 0xFF], [0x61, 0xFE], Array(repeating: 0xC3, count: 120)])
        // The lenient reader still decodes them, to the same string for the first two.
        #expect(try Tar.read(archive).map(\.path).prefix(2) == ["a\u{FFFD}", "a\u{FFFD}"])
    }

    /// A pax header of `records` in front of a one-byte file.
    func paxArchive(_ records: String) -> ByteBuffer {
        var archive = ByteBuffer()
        archive.writeBytes(Tar.header(name: Array("PaxHeaders/f".utf8), typeFlag: UInt8(ascii: "x"), mode: 0o644,
                                      size: records.utf8.count, mtime: mtime))
        archive.writeString(records)
        archive.writeRepeatingByte(0, count: Tar.padding(for: records.utf8.count))
        archive.writeBytes(Tar.header(path: "f", kind: .file, mode: 0o644, size: 1, mtime: mtime))
        archive.writeBytes([7] + [UInt8](repeating: 0, count: 511))
        archive.writeBytes(Tar.endOfArchive)
        return archive
    }

    func record(_ key: String, _ value: String) -> String {
        let body = " \(key)=\(value)\n".utf8.count
        let length = body + String(body + String(body).count).count
        return "\(length) \(key)=\(value)\n"
    }

    @Test func paxSizesAreValidated() throws {
        #expect(try Self.read(paxArchive(record("size", "1")), chunk: 300).first?.1 == [7])
        // A bad record is found where the pax header starts, a bad size value at the entry it sizes.
        for bad in ["10 size=1X", "5 a\n", "x size=1\n"] {
            #expect(throws: TarError.badPaxRecord(offset: 0), "\(bad)") { try Self.read(paxArchive(bad), chunk: 300) }
        }
        for bad in ["1ab", "-1", "+1", "99999999999999999999999", ""] {
            #expect(throws: TarError.badPaxRecord(offset: 1024), "\(bad)") { try Self.read(paxArchive(record("size", bad)), chunk: 300) }
        }
        // A pax size larger than the data that follows is a truncated archive, found at the end.
        #expect(throws: TarError.truncated(offset: 1024)) { try Self.read(paxArchive(record("size", "5000")), chunk: 300) }
    }

    @Test func hugeAndNegativeSizesAreErrorsNotCrashes() throws {
        var block = Tar.header(path: "f", kind: .file, mode: 0o644, size: 0, mtime: mtime)
        // GNU base-256: past Int.max, negative, and exactly Int.max (then the data runs out).
        for field: [UInt8] in [[0x80] + [UInt8](repeating: 0xFF, count: 11), [0xFF] + [UInt8](repeating: 0xFF, count: 11),
                               [0x80, 0, 0, 0, 0x7F] + [UInt8](repeating: 0xFF, count: 7)] {
            block.replaceSubrange(124..<136, with: field)
            block.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
            let sum = block.reduce(0) { $0 + Int($1) }
            block.replaceSubrange(148..<156, with: Array(String(sum, radix: 8).utf8) + [0, 0x20])
            var archive = ByteBuffer(bytes: block)
            archive.writeRepeatingByte(0, count: 4096)
            #expect(throws: TarError.self) { try Self.read(archive, chunk: 1000) }
        }
    }

    @Test func oversizedMetadataIsRefused() {
        var archive = ByteBuffer()
        archive.writeBytes(Tar.header(name: Array("././@LongLink".utf8), typeFlag: UInt8(ascii: "L"), mode: 0o644,
                                      size: TarReader.maxMetadata + 1, mtime: mtime))
        #expect(throws: TarError.metadataTooLarge(offset: 0)) { try Self.read(archive, chunk: 512) }
    }

    /// 100,000 entries made as they are fed: the reader holds under a block between chunks.
    @Test func aHundredThousandEntriesStreamInBoundedMemory() throws {
        var reader = TarReader()
        var headers = 0, bytes = 0, most = 0
        // One entry repeated: the reader does not care about names, and making 100,000 headers
        // would cost more than reading them.
        var entry = ByteBuffer(bytes: Tar.header(path: "top/f", kind: .file, mode: 0o644, size: 3, mtime: mtime))
        entry.writeBytes([1, 2, 3] + [UInt8](repeating: 0, count: 509))
        for _ in 0..<100_000 {
            reader.append(entry)
            while let event = try reader.next() {
                if case .header = event { headers += 1 }
                if case .data(let data) = event { bytes += data.readableBytes }
            }
            most = max(most, reader.bufferedBytes)
        }
        reader.append(ByteBuffer(bytes: Tar.endOfArchive))
        #expect(try reader.next() == nil)
        try reader.finish()
        #expect(headers == 100_000 && bytes == 300_000)
        #expect(most < Tar.blockSize)
    }
}
