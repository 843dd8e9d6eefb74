import NIOCore
import Testing
@testable import DockerEngine

@Suite struct MultiplexedStreamDecoderTests {
    static func frame(_ stream: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
    }

    /// stdout "héllo ✓ 世界", stderr "oops 🙂", stdout "bye" — with multi-byte characters.
    static let input: [UInt8] = frame(1, Array("héllo ✓ 世界".utf8)) + frame(2, Array("oops 🙂".utf8))
        + frame(1, []) + frame(1, Array("bye".utf8))

    /// Decodes `bytes` fed in the given chunks, into per-stream text.
    static func decode(_ chunks: [[UInt8]]) throws -> (String, String, [OutputStream]) {
        var decoder = MultiplexedStreamDecoder()
        var out = UTF8StreamDecoder(), err = UTF8StreamDecoder()
        var stdout = "", stderr = ""
        var order: [OutputStream] = []
        for chunk in chunks {
            for frame in try decoder.feed(ByteBuffer(bytes: chunk)) {
                if order.last != frame.stream { order.append(frame.stream) }
                if frame.stream == .stdout { stdout += out.decode(frame.bytes) } else { stderr += err.decode(frame.bytes) }
            }
        }
        try decoder.finish()
        return (stdout + out.flush(), stderr + err.flush(), order)
    }

    @Test func wholeInput() throws {
        let (stdout, stderr, order) = try Self.decode([Self.input])
        #expect(stdout == "héllo ✓ 世界bye")
        #expect(stderr == "oops 🙂")
        #expect(order == [.stdout, .stderr, .stdout])
    }

    @Test func splitAtEveryBytePosition() throws {
        for cut in 0...Self.input.count {
            let (stdout, stderr, _) = try Self.decode([Array(Self.input[..<cut]), Array(Self.input[cut...])])
            #expect(stdout == "héllo ✓ 世界bye", "cut at \(cut)")
            #expect(stderr == "oops 🙂", "cut at \(cut)")
        }
    }

    @Test func splitAtEveryPairOfPositions() throws {
        let n = Self.input.count
        for a in stride(from: 0, through: n, by: 1) {
            for b in stride(from: a, through: n, by: 3) {
                let chunks = [Array(Self.input[..<a]), Array(Self.input[a..<b]), Array(Self.input[b...])]
                let (stdout, stderr, _) = try Self.decode(chunks)
                #expect(stdout == "héllo ✓ 世界bye" && stderr == "oops 🙂", "cuts at \(a), \(b)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let (stdout, stderr, _) = try Self.decode(Self.input.map { [$0] })
        #expect(stdout == "héllo ✓ 世界bye")
        #expect(stderr == "oops 🙂")
    }

    @Test func badStreamTypeIsAnError() {
        var decoder = MultiplexedStreamDecoder()
        #expect(throws: StreamDecodingError.badStreamType(7)) {
            _ = try decoder.feed(ByteBuffer(bytes: [7, 0, 0, 0, 0, 0, 0, 1, 65]))
        }
    }

    @Test func truncatedFrameIsAnError() throws {
        var decoder = MultiplexedStreamDecoder()
        _ = try decoder.feed(ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 0, 5, 65]))
        #expect(throws: StreamDecodingError.truncated(missing: 4)) { try decoder.finish() }
    }

    @Test func invalidUTF8BecomesReplacementCharacter() {
        var decoder = UTF8StreamDecoder()
        let text = decoder.decode(ByteBuffer(bytes: [0x61, 0xFF, 0x62])) + decoder.flush()
        #expect(text == "a\u{FFFD}b")
        var cut = UTF8StreamDecoder()
        #expect(cut.decode(ByteBuffer(bytes: [0xE2, 0x9C])) == "")
        #expect(cut.flush() == "\u{FFFD}")
    }
}
