import SandboxCommands
import Testing

/// `new --on CONTEXT --oci-runtime RUNTIME`, as the CLI's `sandbox new` spells its flags.
@Suite struct NewOptionsTests {
    @Test func optionsInAnyOrderAndEitherSpelling() throws {
        #expect(try CommandParser.parse("new --on tls --oci-runtime runsc busybox") == .new("busybox", on: "tls", ociRuntime: "runsc"))
        #expect(try CommandParser.parse("new busybox --on=tls") == .new("busybox", on: "tls"))
        #expect(try CommandParser.parse("new --oci-runtime=runsc") == .new(nil, ociRuntime: "runsc"))
        #expect(try CommandParser.parse("new python-minimal") == .new("python-minimal"))
    }

    @Test func aMissingValueOrAnUnknownOptionIsAUsageError() {
        let spec = CommandTable.spec(named: "new")!
        #expect(throws: CommandError.usage(spec)) { try CommandParser.parse("new --on") }
        #expect(throws: CommandError.usage(spec)) { try CommandParser.parse("new --on= busybox") }
        #expect(throws: CommandError.unknownOption("--pool", spec)) { try CommandParser.parse("new --pool 2") }
        #expect(throws: CommandError.tooManyArguments(spec)) { try CommandParser.parse("new --on tls a b") }
        #expect(CommandError.unknownOption("--pool", spec).description.hasPrefix("unknown option --pool; usage: new [--on CONTEXT]"))
    }
}
