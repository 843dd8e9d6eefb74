import Testing
@testable import SandboxCommands

@Suite struct CommandParserTests {
    @Test func parsesEveryCommandInTheTable() throws {
        #expect(try CommandParser.parse("new") == .new(nil))
        #expect(try CommandParser.parse("new python-minimal") == .new("python-minimal"))
        #expect(try CommandParser.parse("use box-1") == .use("box-1"))
        #expect(try CommandParser.parse("open 'my file.py'") == .open("my file.py"))
        #expect(try CommandParser.parse("save") == .save)
        #expect(try CommandParser.parse("run") == .run(nil))
        #expect(try CommandParser.parse("run python -c 'print(1)'") == .run("python -c 'print(1)'"))
        #expect(try CommandParser.parse("exec ls -la | wc -l") == .exec("ls -la | wc -l"))
        #expect(try CommandParser.parse("  !echo \"$HOME\"") == .exec("echo \"$HOME\""))
        #expect(try CommandParser.parse("ls") == .ls(nil))
        #expect(try CommandParser.parse("ls /tmp") == .ls("/tmp"))
        #expect(try CommandParser.parse("cat a\\ b") == .cat("a b"))
        #expect(try CommandParser.parse("write app.py <<EOF") == .write(path: "app.py", terminator: "EOF", content: ""))
        #expect(try CommandParser.parse("write app.py << END") == .write(path: "app.py", terminator: "END", content: ""))
        #expect(try CommandParser.parse("ps") == .ps)
        #expect(try CommandParser.parse("stop") == .stop(nil))
        #expect(try CommandParser.parse("rm old") == .rm("old"))
        #expect(try CommandParser.parse("runtimes") == .runtimes)
        #expect(try CommandParser.parse("theme light") == .theme("light"))
        #expect(try CommandParser.parse("grep TODO") == .grep(pattern: "TODO", path: nil))
        #expect(try CommandParser.parse("grep 'def (main|run)' src") == .grep(pattern: "def (main|run)", path: "src"))
        #expect(throws: CommandError.usage(CommandTable.spec(named: "grep")!)) { try CommandParser.parse("grep a b c") }
        #expect(try CommandParser.parse("next-error") == .nextError && CommandParser.parse("prev-error") == .previousError)
        #expect(try CommandParser.parse("changes") == .changes(nil))
        #expect(try CommandParser.parse("changes /etc/hosts") == .changes("/etc/hosts"))
        #expect(try CommandParser.parse("snapshot") == .snapshot(nil))
        #expect(try CommandParser.parse("snapshot before-upgrade") == .snapshot("before-upgrade"))
        #expect(try CommandParser.parse("snapshots") == .snapshots)
        #expect(try CommandParser.parse("restore") == .restore(nil))
        #expect(try CommandParser.parse("restore box:v1") == .restore("box:v1"))
        #expect(try CommandParser.parse("fork") == .fork(1))
        #expect(try CommandParser.parse("fork 8") == .fork(8))
        #expect(try CommandParser.parse("help exec") == .help("exec"))
        #expect(try CommandParser.parse("quit") == .quit)
        #expect(try CommandParser.parse("exit") == .quit)
        #expect(try CommandParser.parse("   ") == nil)
        #expect(try CommandParser.parse("# a comment") == nil)
    }

    @Test func unknownCommandsSuggestTheClosest() {
        #expect(throws: CommandError.unknown("exce", suggestion: "exec")) { try CommandParser.parse("exce ls") }
        #expect(throws: CommandError.unknown("opne", suggestion: "open")) { try CommandParser.parse("opne x") }
        #expect(throws: CommandError.unknown("frobnicate", suggestion: nil)) { try CommandParser.parse("frobnicate") }
        #expect(CommandError.unknown("exce", suggestion: "exec").description.hasPrefix("unknown command 'exce' (did you mean 'exec'?)"))
    }

    @Test func badSnapshotArgumentsSayWhatIsWrong() {
        #expect(throws: CommandError.self) { try CommandParser.parse("snapshot ../up") }
        #expect((try? CommandParser.parse("snapshot a/b")) == nil)
        #expect(throws: CommandError.usage(CommandTable.spec(named: "fork")!)) { try CommandParser.parse("fork 0") }
        #expect(throws: CommandError.usage(CommandTable.spec(named: "fork")!)) { try CommandParser.parse("fork 101") }
        do { _ = try CommandParser.parse("snapshot ../up") } catch { #expect(error.description.contains("snapshot label '../up'")) }
    }

    @Test func badArgumentsGiveTheUsageLine() {
        #expect(throws: CommandError.usage(CommandTable.spec(named: "use")!)) { try CommandParser.parse("use") }
        #expect(throws: CommandError.usage(CommandTable.spec(named: "exec")!)) { try CommandParser.parse("!") }
        #expect(throws: CommandError.usage(CommandTable.spec(named: "write")!)) { try CommandParser.parse("write app.py") }
        #expect(throws: CommandError.tooManyArguments(CommandTable.spec(named: "ls")!)) { try CommandParser.parse("ls a b") }
        #expect(throws: CommandError.unterminatedQuote) { try CommandParser.parse("cat 'oops") }
        #expect(CommandError.usage(CommandTable.spec(named: "use")!).description == "usage: use NAME")
    }

    @Test func helpComesFromTheTable() {
        let help = CommandTable.help(tui: true)
        for spec in CommandTable.all { #expect(help.contains(spec.usageLine)) }
        #expect(!CommandTable.help(tui: false).contains("theme NAME"), "the REPL's help leaves out TUI-only commands")
        #expect(CommandTable.help("exec", tui: false).contains("also !"))
    }

    @Test func filesRunByExtension() {
        #expect(Session.runner(for: "app.py") == "python app.py")
        #expect(Session.runner(for: "/w/it's.js") == "node '/w/it'\\''s.js'")
        #expect(Session.runner(for: "build.sh") == "sh build.sh")
        #expect(Session.runner(for: "notes.txt") == nil)
        #expect(Session.runner(for: "echo hi.py") == nil)
    }
}
