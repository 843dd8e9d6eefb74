import Foundation
import MCP
import SandboxKit

/// `sandbox mcp`: the console tools over the Model Context Protocol on stdio.
public enum AgentServer {
    public static func run(session: AgentSession, options: AgentTools.Options, version: String) async throws {
        let server = Server(name: "sandbox", version: version, capabilities: .init(tools: .init(listChanged: false)))
        let tools = AgentTools.tools(options)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(CallTool.self) { params in
            let outcome = await session.call(params.name, params.arguments ?? [:])
            return .init(content: [.text(text: outcome.text, annotations: nil, _meta: nil)],
                         structuredContent: outcome.structured, isError: outcome.isError)
        }
        try await server.start(transport: StdioTransport()) { client, _ in
            await session.setClient(client.name)
        }
        await server.waitUntilCompleted()
        await session.close()
    }
}
