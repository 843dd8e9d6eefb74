import ArgumentParser
import Foundation
import SandboxKit
import SandboxTUI

/// The console's options, shared by `console` and `demo`.
struct ConsoleFlags: ParsableArguments {
    @Option(help: "Colour theme (see themes/; :theme switches live).") var theme = "dark"
    @Flag(help: "Draw borders and status with ASCII only.") var ascii = false
    @Option(help: "Seconds between status polls while there is no event stream, or every container is listed (five times that while events flow).") var poll: Double = 2
    @Option(help: "Output lines kept in the scrollback.") var scrollback = 10_000
    @Option(help: "Record the screen to FILE as asciicast v2 (asciinema play FILE replays it; :record stops).") var record: String?

    func validate() throws {
        // Below 0.1 s the watchers would busy-poll the daemons.
        if try CheckedOption.seconds(poll, "--poll") < .milliseconds(100) { throw ValidationError("--poll must be at least 0.1 seconds") }
        if !(10...1_000_000).contains(scrollback) { throw ValidationError("--scrollback must be between 10 and 1000000 lines") }
    }

    var options: ConsoleOptions {
        get throws {
            var options = ConsoleOptions()
            options.theme = theme
            options.ascii = ascii
            options.pollInterval = try CheckedOption.seconds(poll, "--poll")
            options.scrollback = scrollback
            options.record = record
            return options
        }
    }
}

/// `sandbox` with no arguments: the full-screen console.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "The full-screen console (the default).")

    @OptionGroup var flags: ConsoleFlags
    @OptionGroup var pool: PoolOption

    func run() async throws {
        try await Self.run(options: try flags.options, pool: pool.make())
    }

    /// The console lives on the main actor; curses is only called there.
    static func run(options: ConsoleOptions, pool: SandboxPool?) async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the console needs a terminal; use `sandbox repl` or the one-shot commands (sandbox --help)")
        }
        try await run(engine: SandboxEngine(), options: options, pool: pool)
    }

    @MainActor private static func run(engine: SandboxEngine, options: ConsoleOptions, pool: SandboxPool?) async {
        let app = ConsoleApp(engine: engine, options: options, driver: CursesDriver(), pool: pool)
        await app.run()
        await app.shutdown()
    }
}

/// `sandbox demo [RUNTIME]`: the console, with a sandbox of the runtime, its sample open and running.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show a runtime: the console with a new sandbox of it, its sample open in the editor and running.",
        discussion: "The sample is examples/RUNTIME/ (shipped), or the runtime's `sample` in runtimes.toml.")

    @Argument(help: "The runtime (python-minimal by default; sandbox runtimes lists them).") var runtime: String?
    @OptionGroup var flags: ConsoleFlags

    func run() async throws {
        var options = try flags.options
        options.demo = .some(runtime)
        try await Console.run(options: options, pool: nil)
    }
}
