import Foundation
import SandboxKit

extension Format {
    /// `sandbox snapshots`: name, source, size, age; oldest first.
    public static func snapshots(_ list: [Snapshot], now: Date = Date(), width: Int? = nil) -> String {
        if list.isEmpty { return "no snapshots (take one with snapshot NAME)\n" }
        return table(["SNAPSHOT", "OF", "IMAGE", "SIZE", "AGE"], list.map {
            [$0.description, $0.sandbox, $0.settings.runtime ?? $0.settings.image, size($0.size), age(since: $0.created, now: now)]
        }, width: width, whole: [0])
    }

    /// What a snapshot does not hold, said once it is taken.
    public static func snapshotNotes(_ snapshot: Snapshot) -> [String] {
        snapshot.settings.volumes.isEmpty ? [] : ["host volumes are not in a snapshot (\(snapshot.settings.volumes.joined(separator: ", "))): their files stay on the host"]
    }

    /// What a sandbox made from a snapshot does not get back.
    public static let notCarried = "files and settings are back; its processes, jobs, port forwards and shells were not carried (a fresh runner serves it)"
}
