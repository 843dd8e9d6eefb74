import Testing
@testable import DockerEngine

/// The daemon's refusals as Docker and Podman word them, each told once.
struct DaemonRefusalTests {
    @Test(arguments: [
        (DockerError.notFound("No such image: python:3.12-slim"), DaemonRefusal.noSuchImage),
        (.notFound("No such container: 4f2a"), .noSuchContainer),
        (.conflict("Conflict. The container name \"/py\" is already in use by container \"4f2a\"."), .nameInUse),
        (.api(status: 400, message: "invalid mount config for type \"bind\": bind source path does not exist: /x"), .bindSourceMissing),
        (.api(status: 500, message: "container-init binary not found on the host: stat /usr/libexec/podman/catatonit"), .initMissing),
        (.api(status: 500, message: "lookup init binary: exec: \"catatonit\": executable file not found in $PATH"), .initMissing),
        (.api(status: 500, message: "cannot overwrite directory \"/w\" with non-directory \"/w\""), .directoryInTheWay),
        (.api(status: 500, message: "mkdir /etc/passwd/x: not a directory"), .notADirectory),
        (.api(status: 403, message: "container rootfs is marked read-only"), .readOnlyFileSystem),
        (.api(status: 500, message: "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"), .registryUnreachable),
        (.api(status: 500, message: "something else"), .other),
        (.malformedResponse("x"), .other),
    ])
    func eachRefusalIsToldOnce(error: DockerError, refusal: DaemonRefusal) {
        #expect(error.refusal == refusal)
    }
}
