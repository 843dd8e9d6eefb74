import DockerEngine
import Foundation

/// A sandbox's filesystem saved as an image our labels mark, with the settings a sandbox made
/// from it gets back. Named `SANDBOX:LABEL`; a fork's is unnamed (an image id only, never listed).
public struct Snapshot: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The sandbox it was taken of, by name.
    public var sandbox: String
    public var label: String
    public var imageID: String
    public var size: Int64
    public var created: Date
    public var settings: SnapshotSettings

    public var description: String { "\(sandbox):\(label)" }

    /// The one image repository of snapshots.
    static let repository = "sandbox-snapshot"

    /// The tag of a snapshot: the sandbox and the label in the tag (a repository must be lowercase;
    /// a sandbox name need not be), after the last dot, which a label never has.
    static func tag(sandbox: String, label: String) -> (repo: String, tag: String) { (repository, "\(sandbox).\(label)") }

    /// Labels 1 to 64 of `[A-Za-z0-9_-]`, starting with a letter or digit (a tag's alphabet, but
    /// the dot that ends the sandbox's name in the tag).
    public static func validate(label: String) throws(SandboxError) {
        let allowed = label.utf8.allSatisfy { $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        guard (1...64).contains(label.utf8.count), allowed, label.utf8.first?.isASCIILetterOrDigit == true else {
            throw .invalidArgument("snapshot label '\(label)': use 1 to 64 letters, digits, '_' or '-', starting with a letter or digit")
        }
    }

    /// The default label: the time, to the second (UTC).
    static func timestampLabel(_ date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d-%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// A listed image as a snapshot, or nil when its labels are not a snapshot's.
    init?(_ image: ImageSummary) {
        guard let labels = image.labels, labels[SnapshotLabel.kind] == SnapshotLabel.named,
              let sandbox = labels[SnapshotLabel.sandbox], let label = labels[SnapshotLabel.label],
              let settings = labels[SnapshotLabel.settings].flatMap({ try? JSONDecoder().decode(SnapshotSettings.self, from: Data($0.utf8)) })
        else { return nil }
        // Removed (untagged) while a sandbox made from it still ran: no longer a snapshot.
        let tag = Self.tag(sandbox: sandbox, label: label)
        guard image.repoTags?.contains("\(tag.repo):\(tag.tag)") == true else { return nil }
        // The moment we took it, to the millisecond: the daemon's Created is to the second.
        let taken = labels[SnapshotLabel.taken].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
        self.init(sandbox: sandbox, label: label, imageID: image.id, size: image.size,
                  created: taken ?? Date(timeIntervalSince1970: TimeInterval(image.created)), settings: settings)
    }

    init(sandbox: String, label: String, imageID: String, size: Int64, created: Date, settings: SnapshotSettings) {
        (self.sandbox, self.label, self.imageID, self.size, self.created, self.settings) = (sandbox, label, imageID, size, created, settings)
    }
}

/// What a sandbox made from a snapshot gets back of the one it was taken of. Its environment
/// and files are in the image itself; host volumes are not carried (``volumes`` says which).
public struct SnapshotSettings: Sendable, Equatable, Codable {
    public var image: String
    public var runtime: String?
    public var workDir: String
    public var memoryBytes: Int64?
    public var cpus: Double?
    public var network: NetworkMode
    public var policy: NetworkPolicy
    public var user: String?
    public var ociRuntime: String?
    /// The host volumes it had (`HOST:PATH`), which a snapshot does not hold.
    public var volumes: [String]
}

/// The labels a snapshot image carries beside the container's own.
enum SnapshotLabel {
    static let kind = "sandbox.snapshot"
    static let named = "named"
    static let fork = "fork"
    static let sandbox = "sandbox.snapshot.of"
    static let label = "sandbox.snapshot.label"
    static let settings = "sandbox.snapshot.settings"
    static let taken = "sandbox.snapshot.taken-ms"
    /// On a sandbox made from a snapshot: which (`NAME:LABEL`, or `fork of NAME`).
    static let from = "sandbox.from-snapshot"
    /// What a snapshot's image carries of its container's labels that must not pass to a sandbox
    /// made from it (a container inherits its image's labels): blanked at its create.
    static let notInherited = [kind, sandbox, label, settings, taken, SandboxLabel.poolOwner, SandboxLabel.policy, SandboxLabel.user,
                               SandboxLabel.openReason, SandboxLabel.runtime, SandboxLabel.client]
}

extension UInt8 {
    var isASCIILetterOrDigit: Bool { (48...57).contains(self) || (65...90).contains(self) || (97...122).contains(self) }
}
