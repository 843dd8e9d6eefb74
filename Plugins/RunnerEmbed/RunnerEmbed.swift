import Foundation
import PackagePlugin

/// Compiles the runner (runner/*.c, static) and embeds it in SandboxKit, so a package that depends
/// on SandboxKit gets it with a plain `swift build` (scripts/embed-runner.sh; a machine without a C
/// compiler gets an empty embed and the exec path, with the reason).
@main
struct RunnerEmbed: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let sources = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runner").path)
            .filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted()
            .map { root.appendingPathComponent("runner").appendingPathComponent($0) }
        let script = root.appendingPathComponent("scripts/embed-runner.sh")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedRunner.swift")
        return [.buildCommand(
            displayName: "Building the sandbox runner into \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [script.path, root.appendingPathComponent("runner").path, output.path],
            inputFiles: sources + [script],
            outputFiles: [output]
        )]
    }
}
