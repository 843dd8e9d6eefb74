import DockerEngine
import Foundation
import SandboxKit

/// The state behind a command line: the engine, the current sandbox, the sandboxes made here.
/// Both the REPL and the TUI run their commands through one of these. A sandbox on another
/// Docker context's engine is named `NAME@CONTEXT` (``engines``).
public actor Session {
    public nonisolated let engine: SandboxEngine
    /// Every context's engine, ``engine`` first; the session shuts it down.
    public nonisolated let engines: EngineSet
    public nonisolated let creator: Creator
    public private(set) var current: DockerSandbox?
    /// The context of the current sandbox's engine; nil for ``engine``'s.
    var currentContext: String?
    /// The file last opened or written, which `run` with no argument runs.
    public private(set) var currentFile: String?
    /// With their full names (``EngineSet/qualified(_:context:)``): `rm` drops one by it.
    var created: [(sandbox: DockerSandbox, name: String)] = []
    /// Forwarded ports (`port`), by sandbox and port in it; they live until `port -d` or shutdown.
    var forwards: [ForwardKey: PortForward] = [:]
    private var runtimes: RuntimeRegistry
    /// Started sandboxes kept ready for `new`, when the front end was asked for a pool.
    private let pool: SandboxPool?
    /// Pools of the same size for the other engines, made at their first `new --on` (a pool
    /// hands out what it started on its own engine).
    private var otherPools: [String: SandboxPool] = [:]

    /// Whether each command is followed by what it changed in the sandbox's files (the console's).
    private let reportsChanges: Bool
    /// Each sandbox's changes after its last command here, the next command's "before" (by
    /// handle: a restored or remade sandbox of the same name is another container).
    private var lastChanges: [ObjectIdentifier: SandboxChanges] = [:]

    public init(engine: SandboxEngine, creator: Creator, runtimes: RuntimeRegistry = .standard, pool: SandboxPool? = nil,
                engines: EngineSet? = nil, reportsChanges: Bool = false) {
        self.reportsChanges = reportsChanges
        self.engine = engine
        self.engines = engines ?? EngineSet(primary: engine)
        self.creator = creator
        self.runtimes = runtimes
        self.pool = pool
    }

    /// Fills the pool (if any) with sandboxes of the default image, so the first `new` is warm too.
    public func warmUp() async {
        await pool?.prepare(like: template(nil))
    }

    /// The current sandbox's name, `NAME@CONTEXT` when it is on another engine.
    public var currentName: String? { current.map { EngineSet.qualified($0.name, context: currentContext) } }

    /// Runs a command that does not need a front end's own state. Errors are reported to
    /// `output`; the result is the exit status (the command's, for `exec` and `run`).
    @discardableResult
    public func perform(_ command: Command, output: some SessionOutput) async -> Int32 {
        do {
            return try await dispatch(command, output: output)
        } catch is CancellationError {
            output.handle(.cancelled)
            return 130
        } catch {
            output.handle(.failed(error))
            return 1
        }
    }

    private func dispatch(_ command: Command, output: some SessionOutput) async throws -> Int32 {
        switch command {
        case .new(let what, let context, let ociRuntime, let policy, let user):
            try await create(what, on: context, ociRuntime: ociRuntime, policy: policy, user: user, output: output)
        case .use(let name):
            let found = try await engines.sandbox(named: name)
            select(found.sandbox, context: found.context)
            output.handle(.using(name))
        case .open(let path), .cat(let path):
            let sandbox = try await currentSandbox(output).sandbox
            let text = try await sandbox.readText(path)
            currentFile = path
            output.handle(.fileShown(path: path, text: text))
        case .write(let path, _, let content):
            let sandbox = try await currentSandbox(output).sandbox
            try await sandbox.write(path, content)
            currentFile = path
            output.handle(.wrote(path: path, bytes: content.utf8.count))
        case .run(let argument):
            guard let shell = try runCommand(for: argument) else {
                throw SandboxError.invalidArgument("nothing to run: give a command or a file (run app.py), or open one first")
            }
            return try await exec(shell, output: output)
        case .exec(let shell):
            return try await exec(shell, output: output)
        case .ls(let path):
            let sandbox = try await currentSandbox(output).sandbox
            output.handle(.listing(Format.listing(try await sandbox.ls(path ?? "."))))
        case .ps:
            // The primary engine's sandboxes, named bare: NAME@CONTEXT marks none of them.
            output.handle(.listing(Format.sandboxes(try await engine.list(), current: currentName)))
        case .stop(let name):
            let target = try targetName(name)
            let located = try engines.locate(target)
            try await located.engine.stop(named: located.name)
            output.handle(.stopped(target))
        case .rm(let name):
            let target = try targetName(name)
            let located = try engines.locate(target)
            try await located.engine.remove(named: located.name)
            // By full name: a sandbox of the same name on another engine is not this one.
            let removed = EngineSet.qualified(located.name, context: located.context)
            if removed == currentName { current = nil }
            created.removeAll { $0.name == removed }
            output.handle(.removed(target))
        case .runtimes:
            output.handle(.listing(Format.runtimes(try await RuntimeCatalog.entries(registry: runtimes, engine: engine))))
        case .help(let name):
            output.handle(.help(topic: name))
        case .demo(let runtime):
            let demo = try await prepareDemo(runtime, output: output)
            output.handle(.fileShown(path: demo.path, text: demo.text))
            guard demo.port == nil else {
                try await serve(demo, output: output)
                return 0
            }
            return try await exec(demo.command, output: output)
        case .grep(let pattern, let path):
            let sandbox = try await currentSandbox(output).sandbox
            output.handle(.listing(Format.grep(try await sandbox.grep(pattern, path: path ?? "."))))
        case .save, .theme, .record, .nextError, .previousError:
            // Rows marked tuiOnly act on the console's editor or screen, which a session has not.
            if let spec = CommandTable.spec(for: command) { output.handle(.needsEditor(spec)) }
            return 1
        case .shell:
            // The front end hands its terminal over (``openShell``); a session alone has none.
            if let spec = CommandTable.spec(for: command) { output.handle(.needsTerminal(spec)) }
            return 1
        case .bg, .jobs, .kill, .logs, .port:
            try await jobOrPort(command, output: output)
        case .allow, .deny, .egress:
            try await network(command, output: output)
        case .snapshot, .snapshots, .restore, .fork:
            try await snapshots(command, output: output)
        case .changes(let path):
            let sandbox = try await currentSandbox(output).sandbox
            if let path {
                output.handle(.listing(Format.diff(try await sandbox.diff(path))))
            } else {
                output.handle(.listing(Format.changes(try await sandbox.changes())))
            }
        case .quit:
            break
        }
        return 0
    }

    /// Opens `shell`'s terminal in the current sandbox (made from the default image if there is none).
    public func openShell(_ command: String?, rows: Int, columns: Int, term: String,
                          output: some SessionOutput) async throws -> (sandbox: DockerSandbox, name: String, shell: ShellSession) {
        let (sandbox, name) = try await currentSandbox(output)
        return (sandbox, name, try await sandbox.openShell(command, rows: rows, columns: columns, term: term))
    }

    /// Streams a shell command's output; cancelling the calling task kills it in the container.
    private func exec(_ shell: String, output: some SessionOutput) async throws -> Int32 {
        let (sandbox, name) = try await currentSandbox(output)
        // What the command changed, from the daemon's lists before and after it: a file changed
        // before and again is not seen this way (and between two commands, what something else in
        // the sandbox changed is counted to the second).
        let before: SandboxChanges? = if reportsChanges { if let known = lastChanges[ObjectIdentifier(sandbox)] { known } else { try? await sandbox.changes() } } else { nil }
        output.handle(.execStarted(command: shell, sandbox: name))
        let exit = try await sandbox.execute(shell) { event in
            switch event {
            case .stdout(let text): output.handle(.stdout(text))
            case .stderr(let text): output.handle(.stderr(text))
            case .exit: break
            }
        }
        output.handle(.execFinished(exit))
        if let before, let after = try? await sandbox.changes() {
            lastChanges[ObjectIdentifier(sandbox)] = after
            let made = after.since(before)
            if !made.entries.isEmpty { output.handle(.commandChanged(made, sandbox: name)) }
        }
        return exit.exitCode
    }

    /// The shell command for `run`: a file runs by its extension, anything else as given.
    func runCommand(for argument: String?) throws -> String? {
        guard let argument else { return currentFile.flatMap(Self.runner) }
        return Self.runner(for: argument) ?? argument
    }

    public static func runner(for path: String) -> String? {
        guard !path.contains(where: \.isWhitespace) else { return nil }
        let quoted = ShellQuote.quote(path)
        switch (path as NSString).pathExtension {
        case "py": return "python \(quoted)"
        case "js", "mjs": return "node \(quoted)"
        case "sh": return "sh \(quoted)"
        default: return nil
        }
    }

    /// Creates a sandbox from a runtime name or an image, on a context's engine (nil: ``engine``)
    /// under an OCI runtime (nil: the daemon's default) with a network policy (added to a
    /// runtime's own), and makes it current; with its full name (`NAME@CONTEXT` on another
    /// engine), and `warm` when the pool had one ready.
    @discardableResult
    public func create(_ what: String?, on context: String? = nil, ociRuntime: String? = nil, policy: NetworkPolicy = .isolated,
                       user: SandboxUser? = nil, output: some SessionOutput) async throws -> (sandbox: DockerSandbox, name: String, warm: Bool) {
        let target = try engines.engine(on: context)
        let onOther = target !== engine
        var security = SecurityProfile.hardened
        security.ociRuntime = ociRuntime
        let template = template(what, security: security, policy: policy, user: user, client: onOther ? target.client : nil)
        await template.onBuildProgress { progress in output.handle(.buildProgress(progress)) }
        let sandbox: DockerSandbox
        if let pool = onOther ? otherPool(for: context) : pool {
            sandbox = try await pool.take(like: template)
        } else {
            try await template.start()
            sandbox = template
        }
        let name = EngineSet.qualified(sandbox.name, context: onOther ? context : nil)
        created.append((sandbox, name))
        current = sandbox
        currentContext = onOther ? context : nil
        // Said before `created`, which stays the last word of a `new`.
        if let (isolation, reason) = await sandbox.isolation(), isolation == .open {
            output.handle(.notIsolated(name: name, reason: reason ?? "the engine did not say why"))
        }
        output.handle(.created(name: name, from: what ?? DockerSandbox.defaultImage, fromPool: sandbox !== template))
        return (sandbox, name, sandbox !== template)
    }

    /// Creates a sandbox of `runtime` (python-minimal) and writes its sample into the work
    /// directory; the sample is read, and its entry checked, before anything is created.
    public func prepareDemo(_ runtime: String?, output: some SessionOutput) async throws -> Demo {
        let name = runtime ?? Demo.defaultRuntime
        let config = try runtimes.lookup(name)
        let sample = try RuntimeSample.load(for: config)
        guard Self.runner(for: sample.entry) != nil, let entry = sample.files.first(where: { $0.name == sample.entry }) else {
            throw SandboxError.pathError(sample.source, "\(sample.entry) cannot be run by its extension (.py, .js, .mjs, .sh)")
        }
        let sandbox = try await create(name, output: output).sandbox
        for file in sample.files { try await sandbox.write(sandbox.workDir + "/" + file.name, file.data) }
        let path = sandbox.workDir + "/" + sample.entry
        currentFile = path
        return Demo(sandbox: sandbox.name, path: path, text: String(decoding: entry.data, as: UTF8.self), command: Self.runner(for: path) ?? path,
                    port: config.samplePort)
    }

    private func template(_ what: String?, security: SecurityProfile = .hardened, policy: NetworkPolicy = .isolated, user: SandboxUser? = nil,
                          client: DockerClient? = nil) -> DockerSandbox {
        if let what, runtimes.runtimes[what] != nil {
            return DockerSandbox(runtime: .named(what), policy: policy, security: security, user: user, createdBy: creator, client: client,
                                 runtimes: runtimes)
        }
        return DockerSandbox(image: what ?? DockerSandbox.defaultImage, policy: policy, security: security, user: user, createdBy: creator,
                             client: client)
    }

    /// The pool for another engine, when this session pools at all: made at its first `new`.
    private func otherPool(for context: String?) -> SandboxPool? {
        guard let pool, let context else { return nil }
        if let existing = otherPools[context] { return existing }
        let made = SandboxPool(size: pool.size)
        otherPools[context] = made
        return made
    }

    /// Makes `sandbox` current (the TUI's list selection); `context` is its engine's, nil for ``engine``'s.
    public func select(_ sandbox: DockerSandbox?, context: String? = nil) {
        current = sandbox
        currentContext = context
    }

    public func setCurrentFile(_ path: String?) { currentFile = path }

    /// The current sandbox and its full name, read together: a caller that labels what it does
    /// with the name after awaiting the sandbox could name the next selection instead. The first
    /// command that needs one creates it from the default image.
    public func currentSandbox(_ output: some SessionOutput) async throws -> (sandbox: DockerSandbox, name: String) {
        if let current { return (current, EngineSet.qualified(current.name, context: currentContext)) }
        output.handle(.creatingDefault(image: DockerSandbox.defaultImage))
        let made = try await create(nil, output: output)
        return (made.sandbox, made.name)
    }

    private func targetName(_ name: String?) throws -> String {
        if let name { return name }
        guard let currentName else { throw SandboxError.invalidArgument("no current sandbox; name one (see ps)") }
        return currentName
    }

    /// On quit: closes the forwarded ports, removes the pool's waiting sandboxes and, unless
    /// kept, the ones this session created.
    public func shutdown(keepCreated: Bool = false) async {
        await closeForwards()
        await pool?.drain()
        for other in otherPools.values { await other.drain() }
        if !keepCreated {
            for (sandbox, _) in created { try? await sandbox.stop() }
            created.removeAll()
            current = nil
        }
        await engines.shutdown()
    }

    // MARK: Completion

    /// Candidates for the word being typed, from the command table and the engine.
    public func completions(line: String) async -> [String] {
        let endsWithSpace = line.last?.isWhitespace ?? false
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        let prefix = endsWithSpace ? "" : (words.last ?? "")
        if words.isEmpty || (words.count == 1 && !endsWithSpace) {
            return CommandTable.words.filter { $0.hasPrefix(prefix) }.sorted()
        }
        let first = words[0].hasPrefix("!") ? "exec" : words[0]
        guard let spec = CommandTable.spec(named: first) else { return [] }
        // The row's options, and nothing for an option's value (an address or a context).
        if !spec.options.isEmpty {
            if prefix.hasPrefix("-") { return spec.options.map { "--" + $0 }.filter { $0.hasPrefix(prefix) } }
            if let previous = words.dropFirst().dropLast(endsWithSpace ? 0 : 1).last,
               previous.hasPrefix("--"), !previous.contains("="), spec.options.contains(String(previous.dropFirst(2))) { return [] }
        }
        guard let argument = spec.argument else { return [] }
        switch argument {
        case .sandbox:
            return ((try? await engine.list().map(\.name)) ?? []).filter { $0.hasPrefix(prefix) }
        case .runtimeOrImage:
            let images = (try? await engine.imageTags()) ?? []
            return (runtimes.names + images).filter { $0.hasPrefix(prefix) }
        case .command:
            return CommandTable.words.filter { $0.hasPrefix(prefix) }
        case .theme:
            return []
        case .path, .rest, .heredoc:
            return await pathCompletions(prefix)
        }
    }

    /// Paths in the current sandbox that start with `prefix` (directories end in `/`).
    public func pathCompletions(_ prefix: String) async -> [String] {
        guard let current, await current.isAlive() else { return [] }
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[...$0]) } ?? ""
        let stem = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let entries = try? await current.ls(directory.isEmpty ? "." : directory).entries else { return [] }
        return entries.filter { $0.name.hasPrefix(stem) }.map { directory + $0.name + ($0.kind == .directory ? "/" : "") }
    }
}
