import Foundation
import Synchronization
import Testing

/// The log file (`SANDBOX_LOG`, `--log-level`), the baked-in version and the width of tables.
@Suite(.timeLimit(.minutes(3))) struct LogAndVersionTests {
    static func freshState() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString.prefix(8))")
    }

    static func log(in state: URL) throws -> String {
        try String(contentsOf: state.appendingPathComponent("sandbox/sandbox.log"), encoding: .utf8)
    }

    /// One Docker API call a line: method, versioned path, status, duration.
    static let apiCall = #"\] debug engine: (GET|POST|PUT|DELETE|HEAD) /v1\.\d+/\S+ \d{3} in \d+\.\d ms"#

    @Test func debugLevelLogsEveryAPICallAndNothingToTheTerminal() throws {
        for (arguments, environment) in [(["ps"], ["SANDBOX_LOG": "debug"]), (["--log-level", "debug", "ps"], [:]),
                                         (["ps", "--log-level=debug"], ["SANDBOX_LOG": "warning"])] {
            let state = Self.freshState()
            defer { try? FileManager.default.removeItem(at: state) }
            let result = try run(arguments, environment: environment.merging(["XDG_STATE_HOME": state.path]) { $1 })
            #expect(result.status == 0 && result.stderr.isEmpty, "\(arguments): \(result)")
            #expect(!result.stdout.contains("engine:"))
            let log = try Self.log(in: state)
            #expect(log.range(of: Self.apiCall + #"\n"#, options: .regularExpression) != nil, "\(arguments): \(log)")
            #expect(log.contains("GET /v1.") && log.contains("/containers/json 200 in "), "\(log)")
        }
        // At the default level (warning) a plain ps writes nothing.
        let state = Self.freshState()
        defer { try? FileManager.default.removeItem(at: state) }
        #expect(try run(["ps"], environment: ["XDG_STATE_HOME": state.path, "SANDBOX_LOG": ""]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("sandbox/sandbox.log").path))
    }

    @Test func badLevelsAreReported() throws {
        let option = try run(["--log-level", "loud", "ps"])
        #expect(option.status == 64 && option.stderr.contains("'loud' is invalid for '--log-level"), "\(option)")
        let variable = try run(["ps"], environment: ["SANDBOX_LOG": "loud"])
        #expect(variable.status == 0 && variable.stderr.contains("SANDBOX_LOG=loud is not one of debug, info, warning"), "\(variable)")
    }

    /// MCP's stdout is the protocol: with debug logging on, it still holds only JSON-RPC lines,
    /// and the log has the API calls and the runner decision for the agent's sandbox.
    @Test func mcpStdoutStaysJSONRPCWithDebugLogging() throws {
        let state = Self.freshState()
        defer { try? FileManager.default.removeItem(at: state) }
        let process = Process()
        process.executableURL = sandboxBinary
        process.arguments = ["mcp", "--image", "sandbox-test/busybox:latest"]
        process.environment = ProcessInfo.processInfo.environment.merging(["XDG_STATE_HOME": state.path, "SANDBOX_LOG": "debug"]) { $1 }
        let input = Pipe(), output = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (input, output, FileHandle.nullDevice)
        let received = Mutex(Data())
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            received.withLock { $0.append(chunk) }
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"cli-test","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute","arguments":{"command":"echo from-the-agent"}}}"#,
        ]
        input.fileHandleForWriting.write(Data(requests.map { $0 + "\n" }.joined().utf8))

        // Every request with an id answered, within 60 s.
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while !(text.contains(#""id":3"#) || text.contains(#""id" : 3"#)) {
            guard Date() < deadline else { Issue.record("no answer to tools/call within 60 s; stdout so far:\n\(text)"); return }
            Thread.sleep(forTimeInterval: 0.05)
            text = received.withLock { String(decoding: $0, as: UTF8.self) }
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        text = received.withLock { String(decoding: $0, as: UTF8.self) }

        let lines = text.split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["jsonrpc"] as? String == "2.0", "not a JSON-RPC line on stdout: \(line)")
        }
        #expect(text.contains("from-the-agent"))
        let log = try Self.log(in: state)
        #expect(log.range(of: Self.apiCall, options: .regularExpression) != nil, "\(log)")
        #expect(log.contains("/containers/create 201 in "), "\(log)")
        #expect(log.contains("info engine: sandbox busybox-") && log.contains("commands run by"), "\(log)")
    }

    @Test func versionIsBakedInAndFallsBackToTheVersionFileWithoutGit() throws {
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^sandbox \S+ \(Docker API 1\.\d+\)\n$"#, options: .regularExpression) != nil, "\(version)")

        // A tarball: the script and VERSION with no git repository around them.
        let base = try String(contentsOf: InstallTests.checkout.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let tarball = FileManager.default.temporaryDirectory.appendingPathComponent("tarball-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: tarball) }
        try FileManager.default.createDirectory(at: tarball.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        for file in ["VERSION", "scripts/version.sh"] {
            try FileManager.default.copyItem(at: InstallTests.checkout.appendingPathComponent(file), to: tarball.appendingPathComponent(file))
        }
        let generated = tarball.appendingPathComponent("out/BuildVersion.swift")
        let stamped = try run(["/usr/bin/env", "GIT_CEILING_DIRECTORIES=\(tarball.deletingLastPathComponent().path)", "/bin/sh",
                               tarball.appendingPathComponent("scripts/version.sh").path, generated.path], binary: false)
        #expect(stamped.status == 0, "\(stamped)")
        #expect(try String(contentsOf: generated, encoding: .utf8).contains("static let version = \"\(base)\""))
    }

    @Test func tablesFitTheTerminalUnlessWideOrJSON() throws {
        for width in [120, 80] {
            let cut = try run(["runtimes"], environment: ["COLUMNS": "\(width)"])
            #expect(cut.status == 0)
            #expect(cut.stdout.split(separator: "\n").allSatisfy { $0.count <= width }, "\(cut.stdout)")
            #expect(cut.stdout.contains("…") && cut.stdout.contains("python-datascience "))
        }
        // Whole when stdout is not a terminal and COLUMNS is unset, or with --wide.
        let piped = try run(["runtimes"], environment: ["COLUMNS": ""])
        #expect(piped.stdout.contains("pandas,numpy,matplotlib") && !piped.stdout.contains("…"), "\(piped.stdout)")
        let wide = try run(["runtimes", "--wide"], environment: ["COLUMNS": "80"])
        #expect(wide.stdout == piped.stdout)
        let json = try run(["runtimes", "--json"], environment: ["COLUMNS": "40"])
        #expect(json.stdout.contains("\"matplotlib\"") && !json.stdout.contains("…"))
    }
}
