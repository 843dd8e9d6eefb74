/// Seconds that come from outside (a command line, an MCP client) made into a `Duration`. This is
/// the one place that checks them, so no front end multiplies an unchecked Double: `1e300`, NaN
/// or infinity would trap in the conversion to an integer.
public enum Timeout {
    /// One day: longer than any command a person or an agent waits for.
    public static let maximumSeconds: Double = 86_400

    /// `seconds` as a Duration, or an error naming `what` unless 0 < seconds ≤ one day.
    public static func duration(seconds: Double, for what: String = "timeout") throws(SandboxError) -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= maximumSeconds else {
            throw .invalidArgument("\(what) must be a number of seconds above 0 and at most \(Int(maximumSeconds)), got \(seconds)")
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))  // at most 8.64e13: fits
    }
}
