import AsyncHTTPClient
import NIOCore

/// What an upload sends (a tar for `putArchive`), without exposing the HTTP client's own types:
/// callers of DockerEngine need not import the transport.
public struct UploadBody: Sendable {
    let body: HTTPClientRequest.Body

    /// Bytes already in memory.
    public static func bytes(_ buffer: ByteBuffer) -> UploadBody { UploadBody(body: .bytes(buffer)) }

    /// A stream of chunks, with its total length when known (nil sends it chunked).
    public static func stream<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, length: Int64?) -> UploadBody
    where Chunks.Element == ByteBuffer {
        UploadBody(body: .stream(chunks, length: length.map { .known($0) } ?? .unknown))
    }
}
