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
        let app = ConsoleApp(engine: try SandboxEngine(), options: options, pool: pool.make())
        // The UI loop blocks its thread; keep it off the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                app.run()
                continuation.resume()
            }
        }
        await app.shutdown()
    }
}
