import Foundation
import NIOCore
import Testing
@testable import DockerEngine

@Suite struct DockerHostTests {
    @Test func parsesUnixTCPAndSSH() throws {
        #expect(try DockerHost.parse("unix:///run/user/1000/docker.sock") == .unix(path: "/run/user/1000/docker.sock"))
        #expect(try DockerHost.parse("tcp://127.0.0.1:2375") == .tcp(host: "127.0.0.1", port: 2375))
        #expect(try DockerHost.parse("ssh://me@build-host") == .ssh(user: "me", host: "build-host", port: nil, socket: nil))
        #expect(try DockerHost.parse("ssh://root@127.0.0.1:2222/run/podman/podman.sock")
                == .ssh(user: "root", host: "127.0.0.1", port: 2222, socket: "/run/podman/podman.sock"))
        #expect(DockerClient.baseURL(.init(host: .unix(path: "/var/run/docker.sock")), bridgeSocket: nil) == "http+unix://%2Fvar%2Frun%2Fdocker.sock")
    }

    @Test func rejectsWhatItCannotUse() {
        // An ssh host or user that ssh would read as an option is refused, never passed on.
        for bad in ["tcp://nohost", "unix://relative.sock", "tcp://h:99999", "ssh://-oProxyCommand=x", "ssh://-l@host",
                    "ssh://host:0", "ssh://", "ftp://host"] {
            #expect(throws: DockerError.self, "\(bad)") { try DockerHost.parse(bad) }
        }
    }

    @Test func apiVersionsCompareNumerically() {
        #expect(APIVersion("1.9")! < APIVersion("1.41")!)
        #expect(min(APIVersion(1, 41), DockerClient.newestKnownAPIVersion) == APIVersion(1, 41))
        #expect(APIVersion("banana") == nil)
    }

    @Test func errorsReadLikeAdvice() {
        let error = DockerError.daemonUnreachable(.unix(path: "/var/run/docker.sock"), detail: "")
        #expect(error.description == "Docker daemon not reachable at unix:///var/run/docker.sock (is dockerd running?)")
        #expect(DockerClient.apiError(status: 404, body: Data(#"{"message":"No such container: x"}"#.utf8)) == .notFound("No such container: x"))
    }

    @Test func jsonMessagesSplitAcrossChunks() {
        let text = #"{"stream":"Step 1/2 : FROM x\n"}"# + "\n" + #"{"errorDetail":{"message":"boom"},"error":"boom"}"# + "\nnot json\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var decoder = JSONMessageDecoder()
            let messages = decoder.feed(ByteBuffer(bytes: bytes[..<cut])) + decoder.feed(ByteBuffer(bytes: bytes[cut...])) + decoder.finish()
            #expect(messages.count == 3)
            #expect(messages[0].stream == "Step 1/2 : FROM x\n")
            #expect(messages[1].failure == "boom")
            #expect(messages[2].stream == "not json\n")
        }
    }

    @Test func imageReferencesSplitIntoNameAndTag() {
        #expect(DockerClient.splitReference("python:3.12-slim") == ("python", "3.12-slim"))
        #expect(DockerClient.splitReference("localhost:5000/img") == ("localhost:5000/img", "latest"))
        #expect(DockerClient.splitReference("busybox") == ("busybox", "latest"))
    }
}
