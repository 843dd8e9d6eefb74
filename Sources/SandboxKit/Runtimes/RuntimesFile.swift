import Foundation
import TOML

/// `$XDG_CONFIG_HOME/sandbox/runtimes.toml`: runtimes added or overridden by the user, in TOML 1.0.
///
/// ```toml
/// [python-minimal]              # override a built-in: point it at a local image
/// image = "my-mirror/python:3.12-slim"
///
/// [team-ml]                     # a new runtime, built from a base image
/// description = "our ML stack"
/// base_image = "python:3.12-slim"
/// packages = ["torch", "transformers"]
/// package_manager = "pip"       # pip, npm or apt
/// setup_commands = ["""
/// apt-get update && \
///   apt-get install -y git
/// """]
/// env = { PYTHONUNBUFFERED = "1" }
/// work_dir = "/workspace"
/// sample = "demo/"              # what `sandbox demo team-ml` opens and runs: a file, or a
///                               # directory with main.* (relative to this file's directory)
/// port = 8000                   # the sample is a server on this port: demo runs it as a job
///                               # and forwards the port (a sample without port is not a server)
/// allow = ["pypi.internal:443", "10.0.0.0/8"]   # its sandboxes reach only these (`new --allow`);
/// add_hosts = ["pypi.internal:10.1.2.3"]       # names for them (`--add-host`); a caller's own
///                               # --allow/--add-host are added to these
/// user = "sandbox"              # its commands run as this user (`new --user`), made when missing
/// ```
public enum RuntimesFile {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        /// Set for a document that is not TOML; a problem with a setting names its key instead.
        public var column: Int?
        public var key: String?
        public var message: String
        public init(file: String, line: Int, column: Int? = nil, key: String?, message: String) {
            self.file = file; self.line = line; self.column = column; self.key = key; self.message = message
        }
        public var description: String {
            "\(file):\(line):" + (column.map { "\($0):" } ?? "") + " " + (key.map { "\($0): " } ?? "") + message
        }
    }

    public static var defaultURL: URL { UserDirectories.config.appendingPathComponent("runtimes.toml") }

    /// The built-ins with the file's runtimes applied. A broken file leaves the built-ins (and
    /// nothing from the file) and reports the problem.
    public static func load(from url: URL = defaultURL) -> (registry: RuntimeRegistry, problem: Problem?) {
        var registry = RuntimeRegistry(RuntimeRegistry.builtIn)
        guard let data = try? Data(contentsOf: url) else { return (registry, nil) }
        do throws(Problem) {
            for config in try parse(bytes: Array(data), file: url.path, base: registry) { registry.add(config) }
            return (registry, nil)
        } catch {
            return (RuntimeRegistry(RuntimeRegistry.builtIn), error)
        }
    }

    /// Parses the file's runtimes, each applied over the built-in of the same name if any.
    static func parse(_ text: String, file: String, base: RuntimeRegistry) throws(Problem) -> [RuntimeConfig] {
        try parse(bytes: Array(text.utf8), file: file, base: base)
    }

    static func parse(bytes: [UInt8], file: String, base: RuntimeRegistry) throws(Problem) -> [RuntimeConfig] {
        let document: TOMLTable
        do { document = try TOML.parse(bytes: bytes) } catch {
            throw Problem(file: file, line: error.position.line, column: error.position.column, key: nil, message: error.message)
        }
        return try document.entries.map { (name, node) throws(Problem) in
            guard case .table(let table) = node.value else {
                throw Problem(file: file, line: node.position.line, key: name,
                              message: "a runtime is a [\(name)] table of settings, not \(node.value.typeName)")
            }
            return try runtime(name, table, at: node.position.line, file: file, over: base.runtimes[name] ?? RuntimeConfig(name: name))
        }
    }

    private static func runtime(_ name: String, _ table: TOMLTable, at line: Int, file: String, over base: RuntimeConfig) throws(Problem) -> RuntimeConfig {
        var config = base
        for (key, node) in table.entries {
            func fail(_ message: String) -> Problem {
                Problem(file: file, line: node.position.line, key: "\(name).\(key)", message: message)
            }
            func string() throws(Problem) -> String {
                guard case .string(let value) = node.value else { throw fail("must be a string, not \(node.value.typeName)") }
                return value
            }
            func strings() throws(Problem) -> [String] {
                guard case .array(let items) = node.value else { throw fail("must be an array of strings, not \(node.value.typeName)") }
                return try items.map { item throws(Problem) in
                    guard case .string(let value) = item.value else { throw fail("must be an array of strings, not hold \(item.value.typeName)") }
                    return value
                }
            }
            switch key {
            case "description": config.description = try string()
            case "image": config.image = try string(); config.baseImage = nil
            case "base_image": config.baseImage = try string(); config.image = nil
            case "packages": config.packages = try strings()
            case "setup_commands": config.setupCommands = try strings()
            case "work_dir":
                let value = try string()
                guard value.hasPrefix("/") else { throw fail("must be an absolute path") }
                config.workDir = value
            case "env":
                guard case .table(let env) = node.value else { throw fail("must be a table of strings, not \(node.value.typeName)") }
                config.envVars = [:]
                for (variable, value) in env.entries {
                    guard case .string(let text) = value.value else {
                        throw Problem(file: file, line: value.position.line, key: "\(name).env.\(variable)", message: "must be a string, not \(value.value.typeName)")
                    }
                    config.envVars[variable] = text
                }
            case "sample":
                let expanded = (try string() as NSString).expandingTildeInPath
                config.sample = expanded.hasPrefix("/") ? expanded
                    : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(expanded).standardizedFileURL.path
            case "port":
                guard case .integer(let value) = node.value else { throw fail("must be a whole number: the port the sample serves on") }
                guard (1...65535).contains(value) else { throw fail("must be a port from 1 to 65535") }
                config.samplePort = Int(value)
            case "allow":
                let rules = try strings()
                do throws(PolicyError) { config.policy.allow = try NetworkPolicy(allow: rules, hosts: []).allow } catch {
                    throw fail(error.description)
                }
            case "add_hosts":
                let hosts = try strings()
                do throws(PolicyError) { config.policy.hosts = try NetworkPolicy(allow: [], hosts: hosts).hosts } catch {
                    throw fail(error.description)
                }
            case "user":
                let user = try string()
                do throws(SandboxError) { config.user = try SandboxUser(parsing: user) } catch {
                    throw fail(error.description)
                }
            case "package_manager":
                guard let manager = RuntimeConfig.PackageManager(rawValue: try string()) else { throw fail("must be pip, npm or apt") }
                config.packageManager = manager
            default:
                throw fail("unknown key (known: description, image, base_image, packages, package_manager, setup_commands, env, work_dir, sample, port, allow, add_hosts, user)")
            }
        }
        // A sample of its own is a server only if this table says so (not a built-in's port).
        if table["sample"] != nil && table["port"] == nil { config.samplePort = nil }
        if config.image == nil && config.baseImage == nil {
            throw Problem(file: file, line: line, key: nil, message: "[\(name)] needs image or base_image")
        }
        return config
    }
}
