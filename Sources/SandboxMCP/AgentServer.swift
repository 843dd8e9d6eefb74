import Foundation
import MCP
import SandboxKit
import Signals

/// `sandbox mcp`: the console tools over the Model Context Protocol on stdio.
public enum AgentServer {
    /// Why the server stops; every route removes the sandbox it made.
    enum Ending: Sendable { case disconnected, brokenOutput, signal(Int32) }

    public static func run(session: AgentSession, options: AgentTools.Options, version: String) async throws {
        let (endings, end) = AsyncStream.makeStream(of: Ending.self)
        // SIGPIPE is ignored: a write to a closed stdout fails with EPIPE instead, which
        // `LineTransport` turns into the same orderly shutdown.
        signal(SIGPIPE, SIG_IGN)
        let signals = SignalSource.watch([SIGTERM, SIGINT, SIGHUP]) { end.yield(.signal($0)) }
        defer { signals.cancel() }
        let server = Server(name: "sandbox", version: version, instructions: AgentTools.instructions(options),
                            capabilities: .init(tools: .init(listChanged: false)))
        let tools = AgentTools.tools(options)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(CallTool.self) { params in
            let outcome = await session.call(params.name, params.arguments ?? [:])
            return .init(content: [.text(text: outcome.text, annotations: nil, _meta: nil)],
                         structuredContent: outcome.structured, isError: outcome.isError)
        }
        let transport = LineTransport { end.yield(.brokenOutput) }
        try await server.start(transport: transport) { client, _ in
            await session.setClient(client.name)
        }
        Task {
            await server.waitUntilCompleted()  // stdin reached EOF: the client went away
            end.yield(.disconnected)
        }
        var iterator = endings.makeAsyncIterator()
        let ending = await iterator.next()
        if case .disconnected = ending {
            // A client may close its input right after its last requests: answer them first.
            await transport.waitForAnswers(upTo: .seconds(Int64(options.defaultTimeout.rounded(.up))) + .seconds(30))
        }
        await server.stop()
        await session.close()
        if case .signal(let number) = ending { SignalSource.reraise(number) }
    }
}
