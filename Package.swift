// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "sandbox",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SandboxKit", targets: ["SandboxKit"]),
        .library(name: "DockerEngine", targets: ["DockerEngine"]),
        .executable(name: "sandbox", targets: ["sandbox"]),
        .executable(name: "sandbox-bench", targets: ["sandbox-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),  // LogHandler.log(event:)
        // Already in the build through AsyncHTTPClient: TLS to remote daemons, and the SHA-256 of a context's name.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Layer 0: TOML 1.0 with the position of every key (runtimes.toml, themes).
        .target(name: "TOML"),
        // Layer 1: the Docker Engine API client (transport, endpoints, models, stream decoding, tar).
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // posix_spawn's close-from action, for the daemons the engine starts (the egress guard).
        .target(name: "CSpawn"),
        // The runner's protocol (runner/protocol.h), which its C compiles against too.
        .systemLibrary(name: "CRunnerProtocol", path: "Sources/CRunnerProtocol"),
        // Layer 2: the sandbox engine every front end calls.
        .target(
            name: "SandboxKit",
            dependencies: [
                "DockerEngine",
                "CSpawn",
                "CRunnerProtocol",
                "TOML",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["RunnerEmbed"]
        ),
        // Compiles runner/*.c into SandboxKit (scripts/embed-runner.sh): a dependent needs no make step.
        .plugin(name: "RunnerEmbed", capability: .buildTool()),
        // Layer 3: the shared command table, parser and session behind the TUI and the REPL.
        .target(name: "SandboxCommands", dependencies: ["SandboxKit", "DockerEngine"]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        // libvterm: the terminal emulator behind the console's shell pane.
        .systemLibrary(name: "CVTerm", path: "Sources/CVTerm"),
        // libedit for the REPL prompt and the TUI command line: completion and shared history.
        .target(name: "LineEditing", dependencies: ["CEditLine"]),
        // Signals as values on a thread of their own, for every front end.
        .target(name: "Signals"),
        // The full-screen console: a headless screen model, and curses to show it.
        .target(name: "SandboxTUI", dependencies: ["SandboxKit", "SandboxCommands", "DockerEngine", "LineEditing", "Signals", "TOML", "CNcurses", "CVTerm"]),
        // The agent tools over MCP.
        .target(
            name: "SandboxMCP",
            dependencies: ["SandboxKit", "SandboxCommands", "Signals", .product(name: "MCP", package: "swift-sdk"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Layer 4: front ends.
        .executableTarget(
            name: "sandbox",
            dependencies: [
                "SandboxKit",
                "SandboxCommands",
                "SandboxMCP",
                "SandboxTUI",
                "LineEditing",
                "Signals",
                "DockerEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["VersionStamp"]
        ),
        // Writes `sandbox --version` (scripts/version.sh) before each build.
        .plugin(name: "VersionStamp", capability: .buildTool()),
        // `make bench`: the engine's side of scripts/bench/bench.py.
        .executableTarget(name: "sandbox-bench", dependencies: ["SandboxKit", "DockerEngine"]),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine"]),
        .testTarget(name: "SandboxKitTests", dependencies: ["SandboxKit", "DockerEngine"]),
        .testTarget(name: "SandboxCommandsTests", dependencies: ["SandboxCommands", "SandboxKit", "DockerEngine"]),
        // Golden/ holds expected screens the tests read from disk (rewritten with SANDBOX_UPDATE_GOLDEN=1).
        .testTarget(name: "SandboxTUITests", dependencies: ["SandboxTUI", "SandboxKit", "Signals"], exclude: ["Golden"]),
        // Random inputs for the parsers and the MCP argument checks: a value or a typed error, never a crash.
        .testTarget(name: "FuzzTests", dependencies: [
            "SandboxKit", "SandboxCommands", "SandboxMCP", "SandboxTUI", "DockerEngine", "TOML", .product(name: "MCP", package: "swift-sdk"),
        ]),
        // toml-test's decoder interface over TOML, and the suite's cases run through it.
        .executableTarget(name: "toml-test-decoder", dependencies: ["TOML"], path: "Tests/TOMLDecoder"),
        .testTarget(name: "TOMLTests", dependencies: ["TOML", "toml-test-decoder"]),
        // Runs the built `sandbox` binary as a user would.
        .testTarget(name: "CLITests", dependencies: ["sandbox"]),
    ]
)
