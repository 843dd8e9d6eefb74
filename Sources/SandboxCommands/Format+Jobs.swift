import Foundation
import SandboxKit

extension Format {
    /// A sandbox's background jobs: number, state, pid, age and command.
    public static func jobs(_ jobs: [SandboxJob], now: Date = Date(), width: Int? = nil) -> String {
        if jobs.isEmpty { return "no background jobs\n" }
        return table(["JOB", "STATE", "PID", "AGE", "COMMAND"], jobs.map {
            ["\($0.id)", $0.state.description, "\($0.pid)", age(since: $0.started, now: now), $0.command]
        }, width: width, whole: [0])
    }
}
