/// One sample of `GET /containers/{id}/stats`: the figures `docker stats` shows for CPU and
/// memory. Every field is optional and an odd value reads as unknown, not as a failed sample:
/// Podman's compatible API leaves out `memory_stats.stats`, and older daemons other fields.
public struct ContainerStats: Sendable, Equatable, Decodable {
    /// CPU time counters, in nanoseconds.
    public struct CPU: Sendable, Equatable, Decodable {
        /// Used by the container's processes.
        public var totalUsage: UInt64?
        /// Used by the whole host, all CPUs together.
        public var systemUsage: UInt64?
        public var onlineCPUs: Int?

        public init(totalUsage: UInt64?, systemUsage: UInt64?, onlineCPUs: Int?) {
            (self.totalUsage, self.systemUsage, self.onlineCPUs) = (totalUsage, systemUsage, onlineCPUs)
        }

        enum CodingKeys: String, CodingKey { case usage = "cpu_usage", system = "system_cpu_usage", online = "online_cpus" }
        enum UsageKeys: String, CodingKey { case total = "total_usage", perCPU = "percpu_usage" }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let usage = try? container.nestedContainer(keyedBy: UsageKeys.self, forKey: .usage)
            totalUsage = usage?.lenient(UInt64.self, .total)
            systemUsage = container.lenient(UInt64.self, .system)
            // Daemons before API 1.27 give no online_cpus; the docker CLI counts percpu_usage then.
            onlineCPUs = container.lenient(Int.self, .online).flatMap { $0 > 0 ? $0 : nil }
                ?? usage?.lenient([UInt64].self, .perCPU).flatMap { $0.isEmpty ? nil : $0.count }
        }
    }

    public var cpu: CPU?
    /// The sample before, when the daemon took two (`stream=false` without `one-shot`); a
    /// one-shot answer has zeros here.
    public var previousCPU: CPU?
    /// Bytes charged to the container's cgroup, page cache included.
    public var memoryUsage: UInt64?
    public var memoryLimit: UInt64?
    /// Page cache the kernel can drop: `total_inactive_file` on cgroup v1, `inactive_file` on v2.
    public var inactiveFileV1: UInt64?
    public var inactiveFileV2: UInt64?

    public init(cpu: CPU?, previousCPU: CPU?, memoryUsage: UInt64?, memoryLimit: UInt64?,
                inactiveFileV1: UInt64? = nil, inactiveFileV2: UInt64? = nil) {
        (self.cpu, self.previousCPU, self.memoryUsage, self.memoryLimit) = (cpu, previousCPU, memoryUsage, memoryLimit)
        (self.inactiveFileV1, self.inactiveFileV2) = (inactiveFileV1, inactiveFileV2)
    }

    enum CodingKeys: String, CodingKey { case cpu = "cpu_stats", previous = "precpu_stats", memory = "memory_stats" }
    enum MemoryKeys: String, CodingKey { case usage, limit, stats }
    enum DetailKeys: String, CodingKey { case v1 = "total_inactive_file", v2 = "inactive_file" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cpu = container.lenient(CPU.self, .cpu)
        previousCPU = container.lenient(CPU.self, .previous)
        let memory = try? container.nestedContainer(keyedBy: MemoryKeys.self, forKey: .memory)
        memoryUsage = memory?.lenient(UInt64.self, .usage)
        memoryLimit = memory?.lenient(UInt64.self, .limit).flatMap { $0 > 0 ? $0 : nil }
        let detail = try? memory?.nestedContainer(keyedBy: DetailKeys.self, forKey: .stats)
        inactiveFileV1 = detail?.lenient(UInt64.self, .v1)
        inactiveFileV2 = detail?.lenient(UInt64.self, .v2)
    }

    /// Whether the sample has figures at all: dockerd answers a stopped container with zeros
    /// and no memory.
    public var hasFigures: Bool { memoryUsage != nil || cpu?.systemUsage != nil }

    /// Memory in use as `docker stats` counts it: the usage less the page cache the kernel can
    /// drop (cgroup v1's `total_inactive_file`, else v2's `inactive_file`), when that is smaller.
    public var memoryUsed: UInt64? {
        guard let usage = memoryUsage else { return nil }
        if let cache = inactiveFileV1, cache < usage { return usage - cache }
        if let cache = inactiveFileV2, cache < usage { return usage - cache }
        return usage
    }

    /// CPU in percent of one core (200 is two cores busy), as `docker stats` computes it: the
    /// container's share of the host's CPU time between two samples, times the online CPUs. The
    /// earlier sample is the daemon's own (`precpu_stats`) when it took one that is older than
    /// this one, else `earlier` (the caller's previous sample: Podman can give a `precpu_stats`
    /// no older than `cpu_stats`); nil when neither serves or a counter went backwards.
    public func cpuPercent(after earlier: CPU?) -> Double? {
        guard let now = cpu else { return nil }
        let daemons = previousCPU.flatMap { ($0.systemUsage ?? 0) > 0 ? now.percent(since: $0) : nil }
        return daemons ?? earlier.flatMap { now.percent(since: $0) }
    }
}

extension ContainerStats.CPU {
    /// The share computed from `before` to this sample; nil when either lacks a counter or the
    /// host's counter did not advance.
    func percent(since before: Self) -> Double? {
        guard let used = totalUsage, let usedBefore = before.totalUsage, used >= usedBefore,
              let system = systemUsage, let systemBefore = before.systemUsage, system > systemBefore,
              let cpus = onlineCPUs ?? before.onlineCPUs
        else { return nil }
        return Double(used - usedBefore) / Double(system - systemBefore) * Double(cpus) * 100
    }
}

extension KeyedDecodingContainer {
    /// A value that is missing, null or of another type reads as nil.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
