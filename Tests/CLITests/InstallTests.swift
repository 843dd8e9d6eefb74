import Foundation
import Testing

/// `make install`'s script into a temporary prefix, then the installed copy run from elsewhere,
/// found on the PATH, with the checkout out of its reach (its themes and runner are not above
/// the prefix). Uses the debug build (a release build takes minutes) and .build/man (`make man`).
@Suite(.timeLimit(.minutes(3))) struct InstallTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A fresh prefix with sandbox installed in it, a directory to run from, and empty user directories.
    struct Installed {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString.prefix(8))")
        var prefix: URL { root.appendingPathComponent("prefix") }
        var elsewhere: URL { root.appendingPathComponent("elsewhere") }
        var state: URL { root.appendingPathComponent("state") }
        var config: URL { root.appendingPathComponent("config") }
        var path: String { prefix.appendingPathComponent("bin").path + ":/usr/bin:/bin" }

        init() throws {
            for dir in [elsewhere, state, config] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
            let script = InstallTests.checkout.appendingPathComponent("scripts/install.sh").path
            let installed = try run(["/bin/bash", script, sandboxBinary.deletingLastPathComponent().path, prefix.path], binary: false)
            guard installed.status == 0 else { throw InstallFailed(result: installed) }
        }

        /// `sandbox ARGS` as found on the PATH, run in another directory, with no runner or theme overrides.
        func sandbox(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
            let settings = ["PATH": path, "XDG_STATE_HOME": state.path, "XDG_CONFIG_HOME": config.path].merging(environment) { $1 }
            return try run(["/usr/bin/env", "-C", elsewhere.path, "-u", "SANDBOX_RUNNER", "-u", "SANDBOX_THEMES"]
                           + settings.map { "\($0)=\($1)" } + ["sandbox"] + arguments, binary: false)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    struct InstallFailed: Error, CustomStringConvertible {
        var result: RunResult
        var description: String { "scripts/install.sh failed (run `make man` first if .build/man is missing):\n\(result)" }
    }

    @Test func installedCopyRunsFromThePathWithItsOwnRunnerAndThemes() throws {
        let installed = try Installed()
        defer { installed.remove() }

        let version = try installed.sandbox(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^sandbox \S+ \(Docker API 1\.\d+\)\n$"#, options: .regularExpression) != nil, "\(version)")

        let doctor = try installed.sandbox(["doctor"])
        #expect(doctor.status == 0, "\(doctor)")
        #expect(doctor.stdout.contains("version: \(version.stdout.dropLast())"))
        #expect(doctor.stdout.contains("reachable"))

        // The runner comes from PREFIX/libexec/sandbox: the engine logs which path a sandbox uses.
        let name = "install-test-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? run(["rm", name]) }
        #expect(try installed.sandbox(["new", "--image", "sandbox-test/busybox:latest", "--name", name]).status == 0)
        let exec = try installed.sandbox(["exec", name, "--", "echo", "ok"], environment: ["SANDBOX_LOG": "info"])
        #expect(exec.stdout == "ok\n", "\(exec)")
        let log = try String(contentsOf: installed.state.appendingPathComponent("sandbox/sandbox.log"), encoding: .utf8)
        #expect(log.contains("sandbox \(name) (container ") && log.contains("commands run by runner"), "\(log)")

        // The console's first frame, with a theme that only the prefix's share/sandbox/themes has.
        // PATH in the command line: tmux's shell would otherwise keep its own.
        let term = try Tmux("cd \(installed.elsewhere.path) && PATH=\(installed.path) sandbox --theme solarized", environment: [
            "XDG_STATE_HOME": installed.state.path, "XDG_CONFIG_HOME": installed.config.path,
            "SANDBOX_THEMES": "", "TERM": "xterm-256color"])
        let frame = try term.wait { $0.contains("Sandboxes (") && $0.contains("connected") }
        #expect(!frame.contains("no theme named"), "\(frame)")
        try term.type(":theme mono")
        try term.send("Enter")
        let switched = try term.wait { $0.contains("theme mono") || $0.contains("no theme named") }
        #expect(switched.contains("theme mono") && !switched.contains("no theme named"), "\(switched)")
        try term.send("q")
        #expect(try term.wait { $0.contains("[exited]") }.contains("[exited] 0"))
    }

    @Test func manPagesRenderAndCoverEveryCommand() throws {
        let installed = try Installed()
        defer { installed.remove() }
        let manuals = installed.prefix.appendingPathComponent("share/man")
        let environment = ["MANWIDTH": "200", "LANG": "C.UTF-8", "MANPAGER": "cat"]

        let page = try run(["/usr/bin/man", "-l", manuals.appendingPathComponent("man1/sandbox.1").path],
                           environment: environment, binary: false)
        #expect(page.status == 0 && page.stderr.isEmpty, "\(page)")
        #expect(page.stdout.contains("SANDBOX(1)"))
        for subcommand in try Self.subcommands() {
            #expect(page.stdout.contains("     \(subcommand)"), "sandbox(1) lacks \(subcommand)")
        }
        #expect(page.stdout.contains("--log-level") && page.stdout.contains("--wide"))

        let console = try run(["/usr/bin/man", "-l", manuals.appendingPathComponent("man7/sandbox-console.7").path],
                              environment: environment, binary: false)
        #expect(console.status == 0 && console.stderr.isEmpty, "\(console)")
        for text in ["SANDBOX-CONSOLE(7)", "Everywhere", "F5 / Ctrl-R", "save the open file and run it",
                     "Command line", "new [--on CONTEXT]", "HOST[:PORT]]...", "NAME:IP]...", "exec CMD", "(also !)", "sandbox(1)"] {
            #expect(console.stdout.contains(text), "sandbox-console(7) lacks \(text)")
        }
    }

    @Test func uninstallRemovesExactlyWhatWasInstalled() throws {
        let installed = try Installed()
        defer { installed.remove() }
        let bystander = installed.prefix.appendingPathComponent("share/man/man1/other.1")
        try Data("keep me\n".utf8).write(to: bystander)
        let manifest = try String(contentsOf: installed.prefix.appendingPathComponent("share/sandbox/install-manifest"), encoding: .utf8)
        let files = manifest.split(separator: "\n").map(String.init)
        for expected in ["bin/sandbox", "libexec/sandbox/sandbox-runner", "share/sandbox/themes/dark.theme",
                         "share/man/man1/sandbox.1", "share/man/man7/sandbox-console.7",
                         "share/bash-completion/completions/sandbox", "share/zsh/site-functions/_sandbox",
                         "share/fish/vendor_completions.d/sandbox.fish"] {
            #expect(files.contains(expected), "not installed: \(expected)")
        }
        let fish = try String(contentsOf: installed.prefix.appendingPathComponent("share/fish/vendor_completions.d/sandbox.fish"), encoding: .utf8)
        #expect(fish.contains("complete -c 'sandbox'"))

        let script = Self.checkout.appendingPathComponent("scripts/uninstall.sh").path
        let removed = try run(["/bin/bash", script, installed.prefix.path], binary: false)
        #expect(removed.status == 0, "\(removed)")
        for file in files {
            #expect(!FileManager.default.fileExists(atPath: installed.prefix.appendingPathComponent(file).path), "left: \(file)")
        }
        #expect(FileManager.default.fileExists(atPath: bystander.path))
    }

    /// The subcommands `sandbox --help` lists.
    static func subcommands() throws -> [String] {
        let help = try run(["--help"]).stdout
        guard let section = help.range(of: "SUBCOMMANDS:") else { return [] }
        let lines = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }
        return lines.compactMap { line in
            line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
        }
    }
}
