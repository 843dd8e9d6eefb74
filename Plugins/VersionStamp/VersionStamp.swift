import Foundation
import PackagePlugin

/// Bakes the version into `sandbox` at build time (scripts/version.sh), so plain `swift build`
/// stamps it too. A prebuild command runs on every build; the script leaves the file alone
/// when the version has not changed.
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let generated = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        return [.prebuildCommand(
            displayName: "Stamping the version of \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [context.package.directoryURL.appendingPathComponent("scripts/version.sh").path,
                        generated.appendingPathComponent("BuildVersion.swift").path],
            outputFilesDirectory: generated
        )]
    }
}
