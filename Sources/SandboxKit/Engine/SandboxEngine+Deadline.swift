/// Listing with a deadline, for views of many engines: one that does not answer (a host that is
/// off, a firewall dropping packets) must not hold up the others.
extension SandboxEngine {
    public func list(all: Bool = false, within limit: Duration) async throws -> [SandboxInfo] {
        let outcome = await withDeadline(limit) { [self] () async -> Result<[SandboxInfo], any Error> in
            do { return .success(try await list(all: all)) } catch { return .failure(error) }
        }
        guard let outcome else { throw SandboxError.commandFailed("\(address) did not answer within \(limit)") }
        return try outcome.get()
    }
}
