import DockerEngine
import Foundation
import NIOCore
import Testing

/// The streaming tar reader on 2,000 random, mutated and cut archives per run, fed in random
/// chunks: each gives entries or a TarError, never a crash or another error.
@Suite struct TarFuzzTests {
    @Test func archivesGiveEntriesOrTarErrors() throws {
        var random = Fuzz(0x7A12)
        let mtime = Date(timeIntervalSince1970: 1_700_000_000)
        let valid = Array(Tar.archive([
            TarEntry(path: "a", kind: .directory, mtime: mtime),
            TarEntry(path: "a/b", mtime: mtime, data: ByteBuffer(string: "xyz")),
            TarEntry(path: String(repeating: "p", count: 200), mtime: mtime, data: ByteBuffer(repeating: 1, count: 700)),
            TarEntry(path: "a/l", kind: .symlink(target: String(repeating: "q", count: 150)), mtime: mtime),
        ]).readableBytesView)
        var headers = 0, errors = 0
        for round in 0..<2000 {
            var bytes = valid
            switch round % 3 {
            case 0:
                for _ in 0...Int.random(in: 0..<20, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 1: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            default: bytes = (0..<Int.random(in: 0..<2048, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            var reader = TarReader()
            var rest = bytes[...]
            do {
                while !rest.isEmpty {
                    let chunk = rest.prefix(Int.random(in: 1...1024, using: &random))
                    rest = rest.dropFirst(chunk.count)
                    reader.append(ByteBuffer(bytes: chunk))
                    while let event = try reader.next() { if case .header = event { headers += 1 } }
                }
                try reader.finish()
            } catch is TarError {
                errors += 1
            }
        }
        #expect(headers > 0 && errors > 0)
    }
}
