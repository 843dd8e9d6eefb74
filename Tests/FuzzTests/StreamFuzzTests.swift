import DockerEngine
import NIOCore
import SandboxTUI
import Testing

/// The daemon's streams (multiplexed exec output, a build's JSON progress) and a theme file, as
/// random bytes and text: a value or an error, never a trap.
struct StreamFuzzTests {
    @Test func multiplexedOutputNeverTraps() {
        var fuzz = Fuzz(0x3E8)
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &fuzz)).map { _ in UInt8.random(in: 0...3, using: &fuzz) }
            var decoder = MultiplexedStreamDecoder()
            _ = try? decoder.feed(ByteBuffer(bytes: bytes))
            _ = try? decoder.finish()
        }
    }

    @Test func buildProgressNeverTraps() {
        var fuzz = Fuzz(0x150)
        let pieces: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""), 10, 58, 120]
        for _ in 0..<5000 {
            var decoder = JSONMessageDecoder()
            _ = decoder.feed(.init(bytes: (0..<Int.random(in: 0...200, using: &fuzz)).map { _ in fuzz.pick(pieces) }))
            _ = decoder.finish()
        }
    }

    @Test func themeFilesParseOrFail() {
        var fuzz = Fuzz(0x7E3E)
        let pieces = ["text", "=", "#0aF", " on ", "bold", "\n", "red", "-bright", "x", " ", "#", "#12345678"]
        for _ in 0..<5000 {
            _ = try? Theme.parse(fuzz.text(from: pieces, length: 20), name: "r", file: "r")
        }
    }
}
