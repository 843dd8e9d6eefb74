import SandboxCommands
import SandboxKit
import Testing

/// `new --on CONTEXT --oci-runtime RUNTIME --allow HOST[:PORT] --add-host NAME:IP`, as the CLI's
/// `sandbox new` spells its flags.
@Suite struct NewOptionsTests {
    @Test func optionsInAnyOrderAndEitherSpelling() throws {
        #expect(try CommandParser.parse("new --on tls --oci-runtime runsc busybox") == .new("busybox", on: "tls", ociRuntime: "runsc"))
        #expect(try CommandParser.parse("new busybox --on=tls") == .new("busybox", on: "tls"))
        #expect(try CommandParser.parse("new --oci-runtime=runsc") == .new(nil, ociRuntime: "runsc"))
        #expect(try CommandParser.parse("new python-minimal") == .new("python-minimal"))
    }

    @Test func allowAndAddHostRepeatAndMakeThePolicy() throws {
        let policy = try NetworkPolicy(allow: ["db.internal:5432", "*.example.com", "10.0.0.0/8:443"], hosts: ["db.internal:10.1.2.3", "a.example.com:10.1.2.4"])
        #expect(try CommandParser.parse("new --allow db.internal:5432 --add-host db.internal:10.1.2.3 --allow '*.example.com' "
                                        + "--add-host=a.example.com:10.1.2.4 --allow=10.0.0.0/8:443 --on tls busybox")
            == .new("busybox", on: "tls", policy: policy))
        #expect(try CommandParser.parse("new --add-host db:10.0.0.2") == .new(nil, policy: try NetworkPolicy(allow: [], hosts: ["db:10.0.0.2"])))
        #expect(try CommandParser.parse("new --on a --on b") == .new(nil, on: "b"), "a single-valued option given twice: the last")
    }

    @Test func userByNameOrNumber() throws {
        #expect(try CommandParser.parse("new --user sandbox busybox") == .new("busybox", user: .named("sandbox")))
        #expect(try CommandParser.parse("new --user=1000:100") == .new(nil, user: .id(uid: 1000, gid: 100)))
        #expect(try CommandParser.parse("new --user root") == .new(nil, user: .root))
        #expect(throws: CommandError.self) { try CommandParser.parse("new --user 'Bad Name'") }
        do { _ = try CommandParser.parse("new --user 1000:") } catch {
            #expect(error.description.contains("'1000:'"), "\(error)")
        }
    }

    /// A bad value is the policy's own message, as the CLI prints it.
    @Test(arguments: [
        ("new --allow 10.0.0.1:0", PolicyError.badRule("10.0.0.1:0", "the port must be a number from 1 to 65535")),
        ("new --allow '[::1]:80'", .badRule("[::1]:80", "IPv6 is not routed to sandboxes; allow an IPv4 address or a name")),
        ("new --allow 300.1.1.1 busybox", .badRule("300.1.1.1", "not an IPv4 address or CIDR such as 10.0.0.0/8")),
        ("new --add-host db:nowhere", .badHost("db:nowhere", "'nowhere' is not an IPv4 address")),
        ("new --allow 'db internal'", .badRule("db internal", "not a host name, *.domain, IPv4 address or CIDR")),
    ])
    func aBadPolicyIsThePolicysMessage(line: String, error: PolicyError) {
        #expect(throws: CommandError.policy(error)) { try CommandParser.parse(line) }
        #expect(CommandError.policy(error).description == error.description)
    }

    @Test func helpNamesTheOptions() {
        let help = CommandTable.help("new", tui: false)
        #expect(help.hasPrefix("new [--on CONTEXT] [--oci-runtime RUNTIME] [--allow HOST[:PORT]]... [--add-host NAME:IP]... [--user UID[:GID]|NAME] [RUNTIME|IMAGE]"))
        #expect(help.contains("--allow:") && help.contains("--add-host:") && help.contains("--user:"))
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
