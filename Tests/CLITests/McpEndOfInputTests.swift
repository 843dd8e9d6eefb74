import Foundation
import Testing

/// `sandbox mcp` driven by a script on stdin: requests read just before the end of input still
/// get their answers, and the sandbox is gone afterwards.
@Suite(.timeLimit(.minutes(2))) struct McpEndOfInputTests {
    @Test func requestsBeforeTheEndOfInputAreAnsweredThenTheSandboxIsRemoved() throws {
        let client = "eof-test-\(UUID().uuidString.prefix(6).lowercased())"
        let script = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"\(client)","version":"1"}}}
        {"jsonrpc":"2.0","method":"notifications/initialized"}
        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"execute","arguments":{"command":"echo answered"}}}

        """
        let result = try run(["mcp"], stdin: script)
        #expect(result.status == 0, "\(result)")
        let answer = result.stdout.split(separator: "\n").first { $0.contains("\"id\":2") }
        #expect(answer?.contains("answered") == true, "\(result)")
        let left = try run(["/usr/bin/docker", "ps", "-aq", "--filter", "label=sandbox.client=\(client)"], binary: false)
        #expect(left.stdout.isEmpty, "the sandbox outlived the client: \(left.stdout)")
    }
}
