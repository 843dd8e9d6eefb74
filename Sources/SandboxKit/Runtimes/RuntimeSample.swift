import Foundation

/// A runtime's sample, for `sandbox demo`: files put in the sandbox's work directory and the one
/// opened and run. A runtime's `sample` (runtimes.toml) names a file or a directory on this
/// machine; without one, a built-in's is `examples/RUNTIME/` from the checkout or the install.
public struct RuntimeSample: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var name: String
        public var data: Data
    }

    public var files: [File]
    /// The file to open and run: a directory's only file, or its `main.*`.
    public var entry: String
    /// Where it was read from, for messages.
    public var source: String

    /// The samples that ship with the program: `SANDBOX_EXAMPLES`, else `examples/` beside the
    /// build or under the install's `share/sandbox/`.
    public static var shipped: [URL] {
        var dirs: [URL] = []
        if let override = ProcessInfo.processInfo.environment["SANDBOX_EXAMPLES"], !override.isEmpty {
            dirs.append(URL(fileURLWithPath: override))
        }
        return dirs + ProgramLocation.shared("examples", marker: "python-minimal")
    }

    /// Reads `config`'s sample (its own, or the shipped one of the same name).
    public static func load(for config: RuntimeConfig, shipped: [URL] = shipped) throws -> RuntimeSample {
        if let own = config.sample { return try read(URL(fileURLWithPath: own)) }
        for dir in shipped {
            let candidate = dir.appendingPathComponent(config.name)
            if FileManager.default.fileExists(atPath: candidate.path) { return try read(candidate) }
        }
        throw SandboxError.invalidArgument(
            "runtime \(config.name) has no sample: add sample = \"PATH\" (a file, or a directory with main.*) to its [\(config.name)] entry in \(RuntimesFile.defaultURL.path)")
    }

    /// A file, or a directory's regular files (dot files left out).
    static func read(_ url: URL) throws -> RuntimeSample {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw SandboxError.fileNotFound(url.path) }
        guard isDirectory.boolValue else {
            return RuntimeSample(files: [File(name: url.lastPathComponent, data: try contents(url))], entry: url.lastPathComponent, source: url.path)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        let files = try names.compactMap { name -> File? in
            let file = url.appendingPathComponent(name)
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
            return File(name: name, data: try contents(file))
        }
        guard let entry = files.count == 1 ? files[0].name : files.first(where: { $0.name.hasPrefix("main.") })?.name else {
            throw SandboxError.pathError(url.path, "no file to open and run: a sample directory holds one file, or one named main.*")
        }
        return RuntimeSample(files: files, entry: entry, source: url.path)
    }

    /// Samples are short programs: a large file is a mistake in the configuration.
    private static func contents(_ url: URL) throws -> Data {
        let limit = 1024 * 1024
        guard let data = FileManager.default.contents(atPath: url.path) else { throw SandboxError.pathError(url.path, "cannot be read") }
        guard data.count <= limit else { throw SandboxError.fileTooLarge(url.path, limit: limit) }
        return data
    }
}
