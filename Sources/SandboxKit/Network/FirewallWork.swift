import NIOPosix

/// The host firewall's changes run `nft` and wait for it: done on NIO's blocking pool, never on
/// the cooperative threads (two on this machine), which 100 sandboxes starting at once need for
/// everything else.
enum FirewallWork {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
