import DockerEngine
import Foundation
import NIOCore
@testable import SandboxKit
import Synchronization
import Testing

/// Where Podman 4.3's Docker-compatible API differs from dockerd, each pinned against the Podman
/// service of scripts/test/engines.sh: what it does, and that the engine copes with it.
@Suite(.timeLimit(.minutes(3)), .serialized) struct PodmanDifferenceTests {
    static let podman = DockerEndpoint(host: EngineKindsTests.podman)

    /// A container's end is filtered as "died" (Podman's own name) and reported as "die", with
    /// "containerExitCode" beside "exitCode": the engine's `changes()` asks for both names.
    @Test func aContainersEndIsFilteredAsDiedAndReportedAsDie() async throws {
        try await RemoteEngineTests.withClient(Self.podman) { client in
            let value = String(UUID().uuidString.prefix(8).lowercased())
            let label = "sandbox.test.died=\(value)"
            var events = client.events(actions: ["died"], labels: [label]).makeAsyncIterator()
            // Containers that end at once, until one's end arrives.
            let probe = eventProbe(on: client, labels: ["sandbox.test.died": value], then: .start)
            let event = try await events.next()
            probe.cancel()
            _ = await probe.result
            #expect(event?.action == "die", "\(String(describing: event))")
            // Removed once ended: Podman can refuse a remove while a container is on its way out.
            var left = try await client.listContainers(all: true, labels: [label])
            for _ in 0..<20 where !left.isEmpty {
                for container in left { try? await client.removeContainer(container.id) }
                left = try await client.listContainers(all: true, labels: [label])
                if !left.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(left.isEmpty, "probe containers left: \(left.map(\.name))")
        }
    }

    /// Exec inspect says `ExitCode` as dockerd does; a missing program is 127 here (dockerd: 126).
    @Test func execExitCodesOnPodman() async throws {
        try await RemoteEngineTests.withClient(Self.podman) { client in
            let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            do {
                #expect(try await sandbox.execute("exit 3").exitCode == 3)
                #expect(try await sandbox.execute("no-such-command-xyz").exitCode == 127)
                let exec = try await client.createExec(container: sandbox.name, .init(cmd: ["/no/such/program"]))
                for try await _ in try await client.startExec(exec) {}
                #expect(try await client.inspectExec(exec).exitCode == 127)
                try await sandbox.stop()
            } catch {
                try? await sandbox.stop()
                throw error
            }
        }
    }

    /// Podman's /build is Buildah, not BuildKit: steps say "STEP n/m:", a label is a step of its
    /// own, tags get "docker.io/", and a failed RUN is an `error` in the stream, as with dockerd.
    @Test func runtimeImagesBuildThroughPodmansBuild() async throws {
        try await RemoteEngineTests.withClient(Self.podman) { client in
            let marker = UUID().uuidString.prefix(8).lowercased()
            let config = RuntimeBuildTests.config(String(marker))
            let progress = RuntimeBuildTests.Progress()
            let sandbox = DockerSandbox(runtime: .config(config), workDir: config.workDir, labels: ["sandbox.test": "true"], client: client)
            await sandbox.onBuildProgress(progress.record)
            do {
                #expect(try await sandbox.execute("echo $GREETING; cat /etc/marker; pwd").output == "hello \(marker)\n\(marker)\n/srv/app\n")
                try await sandbox.stop()
            } catch {
                try? await sandbox.stop()
                throw error
            }
            try await client.removeImage(RuntimeImage.tag(for: config), force: true)
            let steps = progress.all.compactMap(\.step)
            #expect(steps.count >= 4 && steps == steps.sorted(), "\(progress.all.map(\.line))")

            let failing = RuntimeBuildTests.config("x", setup: ["echo the-real-reason; exit 3"])
            let broken = DockerSandbox(runtime: .config(failing), workDir: failing.workDir, labels: ["sandbox.test": "true"], client: client)
            let error = await #expect(throws: SandboxError.self) { try await broken.start() }
            guard case .buildFailed(_, let step, let output)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(step.hasPrefix("STEP ") && step.contains("RUN echo the-real-reason"), "step: \(step)")
            #expect(output.contains("the-real-reason") && output.contains("exit status 3"), "output: \(output)")
        }
    }

    /// Archive PUTs whose entries go through a host directory mounted into the sandbox land in that
    /// directory (podman issues #10168, #12628, #21861 are about named volumes and stopped
    /// containers; sandboxes mount host directories, which 4.3 writes through).
    @Test func archiveUploadsReachAMountedHostDirectory() async throws {
        let host = try temporaryDirectory(), source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: host); try? FileManager.default.removeItem(at: source) }
        try Data("copied\n".utf8).write(to: source.appendingPathComponent("in.txt"))
        try await RemoteEngineTests.withClient(Self.podman) { client in
            let sandbox = DockerSandbox(image: TestImages.busybox, volumes: [host.path: "/workspace/data"],
                                        labels: ["sandbox.test": "true"], client: client)
            do {
                try await sandbox.copyIn(hostPath: source.appendingPathComponent("in.txt").path, to: "/workspace/data/deep/in.txt")
                try await sandbox.write("/workspace/data/written.txt", "written\n")
                let entry = TarEntry(path: "workspace/data/put/raw.txt", data: ByteBuffer(string: "raw\n"))
                try await client.putArchive(sandbox.name, directory: "/", tar: .bytes(Tar.archive([entry])))
                #expect(try await sandbox.execute("cat /workspace/data/put/raw.txt").output == "raw\n")
                try await sandbox.stop()
            } catch {
                try? await sandbox.stop()
                throw error
            }
            for (path, text) in ["deep/in.txt": "copied\n", "written.txt": "written\n", "put/raw.txt": "raw\n"] {
                #expect(try String(contentsOf: host.appendingPathComponent(path), encoding: .utf8) == text, "\(path)")
            }
        }
    }

    /// Without catatonit, Podman refuses `Init: true` at create; where a sandbox needs it (no
    /// runner: `SANDBOX_RUNNER=off`) the engine says what to install instead of starting a sandbox
    /// that leaves zombies and ignores stop for 10 s. With the runner, the runner is the
    /// container's init (runner/init.c), and the sandbox needs no catatonit. A second Podman
    /// service in a mount namespace of its own, where catatonit's directory is an empty tmpfs,
    /// is that machine (the shared service is untouched; this one is stopped on every path).
    @Test func podmanWithoutCatatonitSaysWhatToInstall() async throws {
        let directory = try temporaryDirectory()
        let socket = directory.appendingPathComponent("podman.sock").path, log = directory.appendingPathComponent("podman.log").path
        let pidFile = directory.appendingPathComponent("pid").path
        let command = "nohup unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /usr/libexec/podman && "
            + "exec podman system service --time=0 unix://\(socket)' >\(log) 2>&1 & echo $! >\(pidFile)"
        #expect(system(command) == 0)
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGTERM)
            }
            try? FileManager.default.removeItem(at: directory)
        }
        try await RemoteEngineTests.withClient(DockerEndpoint(host: .unix(path: socket))) { client in
            var answered = false
            for _ in 0..<120 where !answered {
                answered = (try? await client.apiVersion()) != nil
                if !answered { try await Task.sleep(for: .milliseconds(250)) }
            }
            guard answered else {
                Issue.record("the second podman service never answered: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                return
            }
            let sandbox = DockerSandbox(image: TestImages.busybox, labels: ["sandbox.test": "true"], client: client)
            if RunnerMode.on {
                do {
                    try await sandbox.start()
                    #expect(try await sandbox.executionPath() == .runner)
                    #expect(try await sandbox.execute("sleep 0.1 & echo hi").output == "hi\n")
                    try await sandbox.stop()
                } catch {
                    try? await sandbox.stop()
                    throw error
                }
                return
            }
            let error = await #expect(throws: SandboxError.self) { try await sandbox.start() }
            guard case .initUnavailable(let engine, let detail)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(engine == "unix://\(socket)")
            #expect(detail.contains("catatonit"), "\(detail)")
            #expect(error?.description.contains("apt-get install catatonit") == true)
            #expect((try? await client.inspectContainer(sandbox.name)) == nil, "nothing was created")
        }
    }
}
