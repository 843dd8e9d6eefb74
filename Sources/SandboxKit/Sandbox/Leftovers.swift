import DockerEngine

/// Removing what a start that failed half-way made, even when the failure was the daemon's
/// connection: under load a cleanup's own request can fail the same way, and a create whose
/// answer was lost may still have made the container.
enum Leftovers {
    /// How long a cleanup keeps trying through lost connections and slow answers.
    static let patience = Duration.seconds(10)

    /// Removes container `id`, retrying while the daemon is unreachable, slow or busy. Returns
    /// the error that was left after `patience`, for the caller to report, or nil once removed.
    @discardableResult
    static func remove(_ id: String, client: DockerClient) async -> (any Error)? {
        do {
            try await retrying { try await client.removeContainer(id) }
            return nil
        } catch {
            client.logger.notice("container \(id) could not be removed after a failed start: \(error)")
            return error
        }
    }

    /// After a create whose answer never came: removes the container by `name` if the daemon made
    /// it for this sandbox (its id label says so), and leaves anything else of that name alone.
    static func removeUnanswered(name: String, sandboxID: String, client: DockerClient) async {
        let inspect: ContainerInspect
        do {
            inspect = try await retrying { try await client.inspectContainer(name) }
        } catch DockerError.notFound {
            return
        } catch {
            client.logger.notice("could not check for a container \(name) left by a failed create: \(error)")
            return
        }
        guard inspect.config.labels?[SandboxLabel.id] == sandboxID else { return }
        await remove(inspect.id, client: client)
    }

    /// `work`, tried again with a growing pause while its failure is the connection's, for at most
    /// `patience`; the last error otherwise.
    private static func retrying<T>(_ work: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let giveUp = clock.now + patience
        var delay = Duration.milliseconds(50)
        while true {
            do {
                return try await work()
            } catch let error as DockerError where transient(error) && clock.now + delay < giveUp {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// A failure of the connection, not an answer: trying again may work, and the request may or
    /// may not have been done.
    static func transient(_ error: DockerError) -> Bool {
        switch error {
        case .daemonUnreachable, .timedOut, .busy: true
        default: false
        }
    }
}
