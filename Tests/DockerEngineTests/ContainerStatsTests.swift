import DockerEngine
import Foundation
import Testing

/// `GET /containers/{id}/stats` decoded as `docker stats` reads it, and shapes other daemons send.
@Suite struct ContainerStatsTests {
    static func decode(_ json: String) throws -> ContainerStats {
        try JSONDecoder().decode(ContainerStats.self, from: Data(json.utf8))
    }

    /// Docker 20.10 on cgroup v1, `stream=false` without one-shot: the daemon's two samples.
    static let dockerV1 = """
        {"read":"2026-11-27T20:11:47Z","cpu_stats":{"cpu_usage":{"total_usage":30367798,"percpu_usage":[13869296,16498502]},
        "system_cpu_usage":44886660000000,"online_cpus":2},"precpu_stats":{"cpu_usage":{"total_usage":20367798},
        "system_cpu_usage":44884660000000,"online_cpus":2},"memory_stats":{"usage":602112,"limit":25276510208,
        "stats":{"total_inactive_file":102112,"inactive_file":1,"cache":4096}}}
        """

    @Test func dockerCgroupV1TwoSamples() throws {
        let stats = try Self.decode(Self.dockerV1)
        // 10 ms of the container's CPU in 2 s of the host's (both CPUs): 0.5 % of one, times two.
        #expect(stats.cpuPercent(after: nil) == 1.0)
        #expect(stats.memoryUsed == 500_000, "usage less total_inactive_file, as the CLI does on cgroup v1")
        #expect(stats.memoryLimit == 25_276_510_208)
    }

    @Test func oneShotNeedsTheCallersPreviousSample() throws {
        // One-shot answers have zeros for precpu_stats.
        let stats = try Self.decode("""
            {"cpu_stats":{"cpu_usage":{"total_usage":30367798},"system_cpu_usage":44886660000000,"online_cpus":2},
            "precpu_stats":{"cpu_usage":{"total_usage":0}},"memory_stats":{"usage":602112}}
            """)
        #expect(stats.cpuPercent(after: nil) == nil)
        let earlier = ContainerStats.CPU(totalUsage: 25_367_798, systemUsage: 44_885_660_000_000, onlineCPUs: 2)
        #expect(stats.cpuPercent(after: earlier) == 1.0)
        let reset = ContainerStats.CPU(totalUsage: 40_000_000, systemUsage: 44_885_660_000_000, onlineCPUs: 2)
        #expect(stats.cpuPercent(after: reset) == nil, "a counter that went backwards (a restart) is unknown, not negative")
    }

    /// A `precpu_stats` with figures but no older than `cpu_stats` (Podman's, sampled at once)
    /// gave no CPU at all: the caller's previous sample was never tried.
    @Test func aDaemonsSampleNoOlderThanThisOneFallsBackToTheCallers() throws {
        let stats = try Self.decode("""
            {"cpu_stats":{"cpu_usage":{"total_usage":30367798},"system_cpu_usage":44886660000000,"online_cpus":2},
            "precpu_stats":{"cpu_usage":{"total_usage":30367798},"system_cpu_usage":44886660000000,"online_cpus":2}}
            """)
        #expect(stats.cpuPercent(after: nil) == nil)
        let earlier = ContainerStats.CPU(totalUsage: 25_367_798, systemUsage: 44_885_660_000_000, onlineCPUs: 2)
        #expect(stats.cpuPercent(after: earlier) == 1.0)
    }

    @Test func cgroupV2AndPodmanShapes() throws {
        let v2 = try Self.decode(#"{"memory_stats":{"usage":1000,"stats":{"inactive_file":400}},"cpu_stats":{"cpu_usage":{"total_usage":5}}}"#)
        #expect(v2.memoryUsed == 600 && v2.memoryLimit == nil)
        #expect(v2.cpuPercent(after: ContainerStats.CPU(totalUsage: 1, systemUsage: 1, onlineCPUs: 1)) == nil, "no system usage: unknown")
        // Podman 4.3: no memory_stats.stats, an extra "cpu", "Id" for "id".
        let podman = try Self.decode("""
            {"cpu_stats":{"cpu_usage":{"total_usage":98273181,"percpu_usage":[1,2]},"system_cpu_usage":29474554206270,"cpu":0},
            "precpu_stats":{"cpu_usage":{"total_usage":0},"cpu":0},"memory_stats":{"usage":638976,"limit":25276510208},"Id":"x"}
            """)
        #expect(podman.memoryUsed == 638_976 && podman.cpu?.onlineCPUs == 2, "online CPUs counted from percpu_usage")
    }

    @Test func missingOrOddFieldsAreUnknown() throws {
        let empty = try Self.decode("{}")
        #expect(empty.memoryUsed == nil && empty.memoryLimit == nil && empty.cpuPercent(after: nil) == nil)
        let odd = try Self.decode(#"{"cpu_stats":"busy","memory_stats":{"usage":-1,"limit":0,"stats":null},"precpu_stats":null}"#)
        #expect(odd.cpu == nil && odd.memoryUsed == nil && odd.memoryLimit == nil, "no limit is 0 on some daemons: unknown")
        #expect(throws: (any Error).self) { try Self.decode("[]") }
    }
}
