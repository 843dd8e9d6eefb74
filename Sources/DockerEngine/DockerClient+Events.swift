import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// One message of `GET /events`.
public struct DockerEvent: Decodable, Sendable, Equatable {
    public var type: String?
    public var action: String?
    public var id: String?
    enum CodingKeys: String, CodingKey { case type = "Type", action = "Action", id = "id" }
}

extension DockerClient {
    /// `GET /events`, filtered server-side: container events only (not the exec_* flood), with
    /// the given actions and labels. The stream ends when the daemon goes away.
    public func events(actions: [String], labels: [String]) -> AsyncThrowingStream<DockerEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let filters = try JSONEncoder().encode(["type": ["container"], "event": actions, "label": labels])
                    let response = try await send(.GET, "/events", query: [("filters", String(decoding: filters, as: UTF8.self))],
                                                  deadline: .distantFuture, gated: false)
                    var lines = LineSplitter()
                    for try await chunk in response.body {
                        for line in lines.feed(chunk) {
                            if let event = try? JSONDecoder().decode(DockerEvent.self, from: Data(line)) { continuation.yield(event) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: classify(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
