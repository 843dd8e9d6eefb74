import Foundation
import Testing
@testable import SandboxKit

@Suite struct RuntimesFileTests {
    @Test func overridesABuiltInAndAddsARuntime() throws {
        let text = """
        # local mirror
        [python-minimal]
        image = "sandbox-test/python:3.11"   # offline

        [team-ml]
        description = "our ML stack"
        base_image = "python:3.12-slim"
        packages = [
          "torch",
          "transformers",  # big
        ]
        package_manager = "pip"
        setup_commands = ['apt-get update', "echo \\"quoted\\""]
        env = { PYTHONUNBUFFERED = "1", "MODE" = "dev" }
        work_dir = "/srv"

        [node-react.env]
        """
        let configs = try RuntimesFile.parse(text.replacingOccurrences(of: "[node-react.env]", with: ""), file: "runtimes.toml",
                                             base: RuntimeRegistry(RuntimeRegistry.builtIn))
        #expect(configs.count == 2)
        #expect(configs[0].name == "python-minimal" && configs[0].image == "sandbox-test/python:3.11")
        #expect(configs[0].description == "Python 3.12, nothing else", "unset keys keep the built-in's")
        let ml = configs[1]
        #expect(ml.baseImage == "python:3.12-slim" && ml.image == nil && ml.needsBuild)
        #expect(ml.packages == ["torch", "transformers"])
        #expect(ml.setupCommands == ["apt-get update", "echo \"quoted\""])
        #expect(ml.envVars == ["PYTHONUNBUFFERED": "1", "MODE": "dev"])
        #expect(ml.workDir == "/srv")
    }

    /// A runtime's user is its sandboxes' unless the caller names one.
    @Test func aRuntimesUser() throws {
        let config = try #require(try RuntimesFile.parse("[agentish]\nimage = \"x\"\nuser = \"1000:100\"\n", file: "f", base: RuntimeRegistry([])).first)
        #expect(config.user == .id(uid: 1000, gid: 100))
        let registry = RuntimeRegistry([config])
        #expect(DockerSandbox(runtime: .named("agentish"), runtimes: registry).user == .id(uid: 1000, gid: 100))
        #expect(DockerSandbox(runtime: .named("agentish"), user: .root, runtimes: registry).user == .root)
    }

    @Test func aRuntimesNetworkPolicyAndACallersAddedToIt() throws {
        let text = "[locked]\nimage = \"x\"\nallow = [\"pypi.internal:443\", \"10.0.0.0/8\"]\nadd_hosts = [\"pypi.internal:10.1.2.3\"]\n"
        let config = try #require(try RuntimesFile.parse(text, file: "f", base: RuntimeRegistry([])).first)
        #expect(config.policy == (try NetworkPolicy(allow: ["pypi.internal:443", "10.0.0.0/8"], hosts: ["pypi.internal:10.1.2.3"])))
        let registry = RuntimeRegistry([config])
        // The caller's rules are added; its --add-host for a name the runtime names wins.
        let caller = try NetworkPolicy(allow: ["192.168.1.5:22", "10.0.0.0/8"], hosts: ["pypi.internal:10.9.9.9"])
        let sum = registry.policy(of: .named("locked"), adding: caller)
        #expect(sum.allow.map(\.description) == ["pypi.internal:443", "10.0.0.0/8", "192.168.1.5:22"])
        #expect(sum.hosts.map(\.description) == ["pypi.internal:10.9.9.9"])
        #expect(registry.policy(of: .named("locked"), adding: sum) == sum, "adding again changes nothing")
        #expect(registry.policy(of: .named("locked"), adding: .isolated) == config.policy)
        #expect(registry.policy(of: nil, adding: caller) == caller && registry.policy(of: .named("nope"), adding: caller) == caller)
        // What a sandbox of that runtime gets.
        #expect(DockerSandbox(runtime: .named("locked"), policy: caller, runtimes: registry).policy == sum)
        #expect(DockerSandbox(image: "x", policy: caller, runtimes: registry).policy == caller)
    }

    @Test func envSubTable() throws {
        let configs = try RuntimesFile.parse("[r]\nimage = \"x\"\n[r.env]\nA = \"1\"\nB = \"two\"\n", file: "f", base: RuntimeRegistry([]))
        #expect(configs[0].envVars == ["A": "1", "B": "two"])
    }

    @Test(arguments: [
        ("[r]\nimage = 3\n", 2, "r.image"),
        ("[r]\nimage = \"x\"\npackage_manager = \"cargo\"\n", 3, "r.package_manager"),
        ("[r]\nimage = \"x\"\ncolour = \"red\"\n", 3, "r.colour"),
        ("[r]\ndescription = \"no image\"\n", 1, nil),
        ("image = \"x\"\n", 1, "image"),
        ("[r]\nimage = \"unterminated\n", 2, nil),
        ("[r\nimage = \"x\"\n", 1, nil),
        ("[r]\nimage = \"x\"\n[r]\n", 3, nil),
        ("[r]\nimage = \"x\"\nwork_dir = \"relative\"\n", 3, "r.work_dir"),
        ("[r]\nimage = \"x\"\nport = 70000\n", 3, "r.port"),
        ("[r]\nimage = \"x\"\nport = \"8000\"\n", 3, "r.port"),
        ("[r]\nimage = \"x\"\nport = 80x\n", 3, nil),
        ("[r]\nimage = \"x\"\nenv = { A = 1 }\n", 3, "r.env.A"),
        ("[r]\nimage = \"x\"\npackages = [\"a\",\n  2]\n", 3, "r.packages"),
        ("[r]\nimage = \"x\"\nimage = \"y\"\n", 3, nil),
        ("[r]\nimage = \"x\"\nallow = [\"10.0.0.1:99999\"]\n", 3, "r.allow"),
        ("[r]\nimage = \"x\"\nallow = \"10.0.0.1\"\n", 3, "r.allow"),
        ("[r]\nimage = \"x\"\nadd_hosts = [\"db\"]\n", 3, "r.add_hosts"),
        ("[r]\nimage = \"x\"\nuser = \"Bad User\"\n", 3, "r.user"),
        ("[r]\nimage = \"x\"\nuser = 1000\n", 3, "r.user"),
        // A bad rule after a blank line: at the allow line, not the table's.
        ("[r]\nimage = \"x\"\n\nallow = [\"db internal\"]\nadd_hosts = [\"other:10.0.0.2\"]\n", 4, "r.allow"),
    ] as [(String, Int, String?)])
    func problemsNameTheFileLineAndKey(text: String, line: Int, key: String?) {
        #expect {
            _ = try RuntimesFile.parse(text, file: "/home/u/.config/sandbox/runtimes.toml", base: RuntimeRegistry([]))
        } throws: { error in
            guard let problem = error as? RuntimesFile.Problem else { return false }
            return problem.line == line && problem.key == key && problem.description.hasPrefix("/home/u/.config/sandbox/runtimes.toml:\(line):")
        }
    }

    @Test func aBrokenFileLeavesTheBuiltIns() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("runtimes-\(UUID().uuidString).toml")
        try "[python-minimal]\nimage = \"ok\"\n[broken\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let (registry, problem) = RuntimesFile.load(from: url)
        #expect(problem?.line == 3)
        #expect(registry.names == RuntimeRegistry(RuntimeRegistry.builtIn).names)
        #expect(try registry.lookup("python-minimal").image == "python:3.12-slim")
    }

    @Test func builtInsAreThePythonLibrarys() throws {
        let registry = RuntimeRegistry(RuntimeRegistry.builtIn)
        #expect(registry.names == ["node-minimal", "node-react", "python-datascience", "python-minimal", "python-web"])
        #expect(try registry.lookup("node-react").workDir == "/app")
        #expect(try registry.lookup("node-react").packageManager == .npm)
        #expect(throws: SandboxError.unknownRuntime("pyhton", known: registry.names)) { try registry.lookup("pyhton") }
    }

    /// A sample that is a server names its port; a table's own sample without one is not a
    /// server, whatever the built-in it overrides served.
    @Test func aServerSampleNamesItsPort() throws {
        let base = RuntimeRegistry(RuntimeRegistry.builtIn)
        #expect(try base.lookup("python-web").samplePort == 8000 && base.lookup("python-minimal").samplePort == nil)
        let text = "[web]\nimage = \"x\"\nsample = \"/s\"\nport = 8_080\n[python-web]\nsample = \"/cli.py\"\n[python-minimal]\nport = 9000\n"
        let configs = try RuntimesFile.parse(text, file: "/c/runtimes.toml", base: base)
        #expect(configs.map(\.samplePort) == [8080, nil, 9000])
    }

    @Test func listeningPortsComeFromTheKernelsTable() {
        let table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
           1: 0100007F:2328 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 2 1
           2: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 0 0 0 0 0 3
           3: garbage
        """
        #expect(DockerSandbox.listeningPorts(table) == [8000, 3000], "LISTEN (0A) only, IPv4 and IPv6")
    }

    @Test func tagsFollowTheConfig() {
        let a = RuntimeConfig(name: "ml-env", baseImage: "base:1", packages: ["x"])
        var b = a
        #expect(RuntimeImage.tag(for: a) == RuntimeImage.tag(for: b))
        b.envVars = ["K": "V"]
        #expect(RuntimeImage.tag(for: a) != RuntimeImage.tag(for: b))
        #expect(RuntimeImage.tag(for: a).hasPrefix("sandbox-runtime/ml-env:"))
        #expect(RuntimeImage.dockerfile(for: b) == "FROM base:1\nENV K=\"V\"\nRUN pip install --no-cache-dir x\nWORKDIR /workspace\n")
    }
}

/// What the earlier subset reader could not read: multi-line strings, `\u` escapes, dotted keys,
/// a `#` inside an escaped quote.
@Suite struct RuntimesFileTOMLTests {
    @Test func theWholeLanguage() throws {
        let text = #"""
            other.base_image = 'python:3.12-slim'   # a dotted key at the top
            [team]
            image = "img \"q\" # not a comment"   # a comment
            description = "caf\u00e9"
            setup_commands = ["""
            apt-get update && \
              apt-get install -y git""", 'echo literal\n']
            env.MODE = "dev"
            """#
        var configs = try RuntimesFile.parse(text, file: "f", base: RuntimeRegistry([]))
        #expect(configs.map(\.name) == ["other", "team"])
        #expect(configs[0].baseImage == "python:3.12-slim")
        configs.removeFirst()
        #expect(configs[0].image == #"img "q" # not a comment"#)
        #expect(configs[0].description == "café")
        #expect(configs[0].setupCommands == ["apt-get update && apt-get install -y git", #"echo literal\n"#])
        #expect(configs[0].envVars == ["MODE": "dev"])
    }

    @Test func aSyntaxErrorNamesItsColumn() {
        #expect(throws: RuntimesFile.Problem(file: "f", line: 2, column: 9, key: nil, message: "expected a value, found 'nope' (strings need quotes)")) {
            try RuntimesFile.parse("[r]\nimage = nope\n", file: "f", base: RuntimeRegistry([]))
        }
        #expect("\(RuntimesFile.Problem(file: "f", line: 2, column: 9, key: nil, message: "m"))" == "f:2:9: m")
    }
}
