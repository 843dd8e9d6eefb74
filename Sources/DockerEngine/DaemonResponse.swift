import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A daemon's answer whose body holds its connection's ``GatePermit`` until read to its end
/// (or given up), when AsyncHTTPClient hands the connection back to its pool. A stream without
/// an end (`/events`) is not gated, and holds none.
struct DaemonResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: DaemonBody

    init(_ response: HTTPClientResponse, permit: GatePermit?) {
        status = response.status
        headers = response.headers
        body = DaemonBody(upstream: response.body, permit: permit)
    }
}

struct DaemonBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let upstream: HTTPClientResponse.Body
    let permit: GatePermit?

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: HTTPClientResponse.Body.AsyncIterator
        let permit: GatePermit?

        mutating func next() async throws -> ByteBuffer? {
            do {
                guard let chunk = try await upstream.next() else {
                    permit?.release()
                    return nil
                }
                return chunk
            } catch {
                permit?.release()
                throw error
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(upstream: upstream.makeAsyncIterator(), permit: permit) }

    /// The whole body, refused past `limit` bytes (`NIOTooManyBytesError`).
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        defer { permit?.release() }
        return try await upstream.collect(upTo: limit)
    }
}
