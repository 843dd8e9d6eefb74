import Foundation
import SandboxKit

/// The state behind a command line: the engine, the current sandbox, the sandboxes made here.
/// Both the REPL and the TUI run their commands through one of these.
public actor Session {
    public nonisolated let engine: SandboxEngine
    public nonisolated let creator: Creator
    public private(set) var current: DockerSandbox?
    /// The file last opened or written, which `run` with no argument runs.
    public private(set) var currentFile: String?
    private var created: [DockerSandbox] = []
    /// Forwarded ports (`port`), by sandbox and port in it; they live until `port -d` or shutdown.
    var forwards: [ForwardKey: PortForward] = [:]
    private var runtimes: RuntimeRegistry
    /// Started sandboxes kept ready for `new`, when the front end was asked for a pool.
    private let pool: SandboxPool?

    public init(engine: SandboxEngine, creator: Creator, runtimes: RuntimeRegistry = .standard, pool: SandboxPool? = nil) {
        self.engine = engine
        self.creator = creator
        self.runtimes = runtimes
        self.pool = pool
    }

    /// Fills the pool (if any) with sandboxes of the default image, so the first `new` is warm too.
    public func warmUp() async {
        await pool?.prepare(like: template(nil))
    }

    public var currentName: String? { current?.name }

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
        case .new(let what):
            try await create(what, output: output)
        case .use(let name):
            current = try await engine.sandbox(named: name)
            output.handle(.using(name))
        case .open(let path), .cat(let path):
            let sandbox = try await currentSandbox(output)
            let text = try await sandbox.readText(path)
            currentFile = path
            output.handle(.fileShown(path: path, text: text))
        case .write(let path, _, let content):
            let sandbox = try await currentSandbox(output)
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
            let sandbox = try await currentSandbox(output)
            output.handle(.listing(Format.listing(try await sandbox.ls(path ?? "."))))
        case .ps:
            output.handle(.listing(Format.sandboxes(try await engine.list(), current: current?.name)))
        case .stop(let name):
            let target = try targetName(name)
            try await engine.stop(named: target)
            output.handle(.stopped(target))
        case .rm(let name):
            let target = try targetName(name)
            try await engine.remove(named: target)
            if target == current?.name { current = nil }
            created.removeAll { $0.name == target }
            output.handle(.removed(target))
        case .runtimes:
            output.handle(.listing(Format.runtimes(try await RuntimeCatalog.entries(registry: runtimes, engine: engine))))
        case .help(let name):
            output.handle(.help(topic: name))
        case .demo(let runtime):
            let demo = try await prepareDemo(runtime, output: output)
            output.handle(.fileShown(path: demo.path, text: demo.text))
            return try await exec(demo.command, output: output)
        case .save, .theme, .record:
            // Rows marked tuiOnly act on the console's editor or screen, which a session has not.
            if let spec = CommandTable.spec(for: command) { output.handle(.needsEditor(spec)) }
            return 1
        case .shell:
            // The front end hands its terminal over (``openShell``); a session alone has none.
            if let spec = CommandTable.spec(for: command) { output.handle(.needsTerminal(spec)) }
            return 1
        case .bg, .jobs, .kill, .logs, .port:
            try await jobOrPort(command, output: output)
        case .quit:
            break
        }
        return 0
    }

    /// Opens `shell`'s terminal in the current sandbox (made from the default image if there is none).
    public func openShell(_ command: String?, rows: Int, columns: Int, term: String,
                          output: some SessionOutput) async throws -> (sandbox: DockerSandbox, shell: ShellSession) {
        let sandbox = try await currentSandbox(output)
        return (sandbox, try await sandbox.openShell(command, rows: rows, columns: columns, term: term))
    }

    /// Streams a shell command's output; cancelling the calling task kills it in the container.
    private func exec(_ shell: String, output: some SessionOutput) async throws -> Int32 {
        let sandbox = try await currentSandbox(output)
        output.handle(.execStarted(command: shell, sandbox: sandbox.name))
        let exit = try await sandbox.execute(shell) { event in
            switch event {
            case .stdout(let text): output.handle(.stdout(text))
            case .stderr(let text): output.handle(.stderr(text))
            case .exit: break
            }
        }
        output.handle(.execFinished(exit))
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

    /// Creates a sandbox from a runtime name or an image and makes it current; `warm` when the
    /// pool had one ready.
    @discardableResult
    public func create(_ what: String?, output: some SessionOutput) async throws -> (sandbox: DockerSandbox, warm: Bool) {
        let template = template(what)
        await template.onBuildProgress { progress in output.handle(.buildProgress(progress)) }
        let sandbox: DockerSandbox
        if let pool {
            sandbox = try await pool.take(like: template)
        } else {
            try await template.start()
            sandbox = template
        }
        created.append(sandbox)
        current = sandbox
        output.handle(.created(name: sandbox.name, from: what ?? DockerSandbox.defaultImage, fromPool: sandbox !== template))
        return (sandbox, sandbox !== template)
    }

    /// Creates a sandbox of `runtime` (python-minimal) and writes its sample into the work
    /// directory; the sample is read, and its entry checked, before anything is created.
    public func prepareDemo(_ runtime: String?, output: some SessionOutput) async throws -> Demo {
        let name = runtime ?? Demo.defaultRuntime
        let sample = try RuntimeSample.load(for: try runtimes.lookup(name))
        guard Self.runner(for: sample.entry) != nil, let entry = sample.files.first(where: { $0.name == sample.entry }) else {
            throw SandboxError.pathError(sample.source, "\(sample.entry) cannot be run by its extension (.py, .js, .mjs, .sh)")
        }
        let sandbox = try await create(name, output: output).sandbox
        for file in sample.files { try await sandbox.write(sandbox.workDir + "/" + file.name, file.data) }
        let path = sandbox.workDir + "/" + sample.entry
        currentFile = path
        return Demo(sandbox: sandbox.name, path: path, text: String(decoding: entry.data, as: UTF8.self), command: Self.runner(for: path) ?? path)
    }

    private func template(_ what: String?) -> DockerSandbox {
        if let what, runtimes.runtimes[what] != nil {
            return DockerSandbox(runtime: .named(what), createdBy: creator, runtimes: runtimes)
        }
        return DockerSandbox(image: what ?? DockerSandbox.defaultImage, createdBy: creator)
    }

    /// Makes `sandbox` current (the TUI's list selection).
    public func select(_ sandbox: DockerSandbox?) { current = sandbox }

    public func setCurrentFile(_ path: String?) { currentFile = path }

    /// The current sandbox; the first command that needs one creates it from the default image.
    public func currentSandbox(_ output: some SessionOutput) async throws -> DockerSandbox {
        if let current { return current }
        output.handle(.creatingDefault(image: DockerSandbox.defaultImage))
        return try await create(nil, output: output).sandbox
    }

    private func targetName(_ name: String?) throws -> String {
        if let name { return name }
        guard let current else { throw SandboxError.invalidArgument("no current sandbox; name one (see ps)") }
        return current.name
    }

    /// On quit: closes the forwarded ports, removes the pool's waiting sandboxes and, unless
    /// kept, the ones this session created.
    public func shutdown(keepCreated: Bool = false) async {
        await closeForwards()
        await pool?.drain()
        guard !keepCreated else { return }
        for sandbox in created { try? await sandbox.stop() }
        created.removeAll()
        current = nil
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
        guard let spec = CommandTable.spec(named: first), let argument = spec.argument else { return [] }
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
