// swift-tools-version:6.1
// A package that depends on SandboxKit as any other would: built with a plain `swift build`, no
// make step and no SANDBOX_RUNNER, its sandboxes must run commands under the runner
// (scripts/test/dependent.sh builds and runs it in `make test`).
import PackageDescription

let package = Package(
    name: "Dependent",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "sandbox", path: "../../..")],
    targets: [.executableTarget(name: "dependent", dependencies: [.product(name: "SandboxKit", package: "sandbox")])]
)
