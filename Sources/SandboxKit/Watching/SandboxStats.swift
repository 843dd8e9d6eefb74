/// A running sandbox's CPU and memory as a front end shows them: the last figures and a short
/// history for a sparkline.
public struct SandboxStats: Sendable, Equatable {
    /// Percent of one core (200: two cores busy), as `docker stats`; nil until a second sample.
    public var cpuPercent: Double?
    /// Bytes in use, page cache the kernel can drop left out.
    public var memoryUsed: UInt64?
    public var memoryLimit: UInt64?
    /// The known figures of the last samples, oldest first, at most ``historyLength`` each.
    public var cpuHistory: [Double] = []
    public var memoryHistory: [UInt64] = []

    public static let historyLength = 30

    public init(cpuPercent: Double? = nil, memoryUsed: UInt64? = nil, memoryLimit: UInt64? = nil) {
        (self.cpuPercent, self.memoryUsed, self.memoryLimit) = (cpuPercent, memoryUsed, memoryLimit)
    }

    /// These figures with a new sample's, its known values appended to the bounded history.
    func adding(cpuPercent: Double?, memoryUsed: UInt64?, memoryLimit: UInt64?) -> SandboxStats {
        var next = self
        (next.cpuPercent, next.memoryUsed, next.memoryLimit) = (cpuPercent, memoryUsed, memoryLimit)
        if let cpuPercent { next.cpuHistory = Array((cpuHistory + [cpuPercent]).suffix(Self.historyLength)) }
        if let memoryUsed { next.memoryHistory = Array((memoryHistory + [memoryUsed]).suffix(Self.historyLength)) }
        return next
    }
}
