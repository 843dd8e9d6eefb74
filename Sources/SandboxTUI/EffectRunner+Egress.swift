import SandboxKit

/// Where egress tabs read a sandbox's record: the file this host's firewall keeps for it
/// (``DockerSandbox/egressRecords(from:)``); tests give records of their own.
struct EgressSource: Sendable {
    /// Reads the records after an offset (0: from the start), and the offset to read on from.
    typealias Reader = @Sendable (_ offset: UInt64) -> (records: [EgressRecord], next: UInt64)

    /// The reader of a sandbox, by the name the list shows (`NAME@CONTEXT` on another engine).
    var open: @Sendable (_ name: String) async throws -> Reader

    static func engines(_ engines: EngineSet) -> EgressSource {
        EgressSource { name in
            let sandbox = try await engines.sandbox(named: name).sandbox
            return { sandbox.egressRecords(from: $0) }
        }
    }
}

/// Egress tabs: each followed sandbox's record is polled (slot `.egress(name)`), each poll
/// reading only what was appended since the one before.
extension EffectRunner {
    /// Between polls: a denial shows within this, and a record that did not grow costs a read of nothing.
    nonisolated static let egressPollInterval = Duration.milliseconds(300)

    func followEgress(_ name: String) {
        let (source, inbox) = (egress, inbox)
        start(.egress(name)) { [weak self] in
            await Self.pollEgress(name, source, inbox)
            // It stopped by itself (the sandbox could not be found): the slot is free for the next follower.
            if !Task.isCancelled { self?.stop(.egress(name)) }
        }
    }

    /// Polls until cancelled. Nonisolated, so the reads and the lines' formatting (records are
    /// what a sandbox asked for: made safe to print) are not the main actor's work; each poll
    /// that found something is one event.
    private nonisolated static func pollEgress(_ name: String, _ source: EgressSource, _ inbox: AsyncStream<ConsoleEvent>.Continuation) async {
        let read: EgressSource.Reader
        do { read = try await source.open(name) } catch {
            if !Task.isCancelled { inbox.yield(.egressEnded(sandbox: name, outcome: .notFollowed("\(error)"))) }
            return
        }
        var offset: UInt64 = 0
        var first = true
        while !Task.isCancelled {
            let (records, next) = read(offset)
            offset = next
            // The first read goes even when empty: the tab then says that nothing is recorded yet.
            if first || !records.isEmpty { inbox.yield(.egressRecorded(sandbox: name, lines: records.map(\.line))) }
            first = false
            try? await Task.sleep(for: egressPollInterval)
        }
    }
}
