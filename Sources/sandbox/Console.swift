import ArgumentParser
import Foundation
import SandboxKit
import SandboxTUI

/// `sandbox` with no arguments: the full-screen console.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "The full-screen console (the default).")

    @Option(help: "Colour theme (see themes/; :theme switches live).") var theme = "dark"
    @Flag(help: "Draw borders and status with ASCII only.") var ascii = false
    @Option(help: "Seconds between status polls (the event stream updates sooner).") var poll: Double = 2
    @Option(help: "Output lines kept in the scrollback.") var scrollback = 10_000
    @OptionGroup var pool: PoolOption

    func validate() throws {
        // The poll interval becomes whole milliseconds: below 0.1 s it would busy-poll the daemon.
        if try CheckedOption.seconds(poll, "--poll") < .milliseconds(100) { throw ValidationError("--poll must be at least 0.1 seconds") }
        if !(10...1_000_000).contains(scrollback) { throw ValidationError("--scrollback must be between 10 and 1000000 lines") }
    }

    func run() async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the console needs a terminal; use `sandbox repl` or the one-shot commands (sandbox --help)")
        }
        var options = ConsoleOptions()
        options.theme = theme
        options.ascii = ascii
        options.pollInterval = poll
        options.scrollback = scrollback
        try await Self.run(engine: SandboxEngine(), options: options, pool: pool.make())
    }

    /// The console lives on the main actor; curses is only called there.
    @MainActor private static func run(engine: SandboxEngine, options: ConsoleOptions, pool: SandboxPool?) async {
        let app = ConsoleApp(engine: engine, options: options, driver: CursesDriver(), pool: pool)
        await app.run()
        await app.shutdown()
    }
}
