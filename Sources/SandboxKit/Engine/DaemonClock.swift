import DockerEngine
import Foundation

/// The daemon's own clock. Times it reports (a container's `Created`) are on it, and a remote
/// daemon's can be minutes off this host's: an age is its clock less its time, never ours.
enum DaemonClock {
    /// The daemon's time now (`GET /info`'s `SystemTime`), or nil when it does not say.
    static func now(_ client: DockerClient) async -> Date? {
        (try? await client.info())?.systemTime.flatMap(parse)
    }

    /// Docker reports times as RFC 3339, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
