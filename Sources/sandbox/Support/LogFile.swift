import ArgumentParser
import DockerEngine
import Foundation
import Logging
import SandboxKit
import Synchronization

/// `--log-level` and `SANDBOX_LOG`: how much goes to the log file.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case debug, info, warning

    var level: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        }
    }

    /// The level for this run: `--log-level` (before any `--`) over `SANDBOX_LOG` over warning.
    /// ArgumentParser has already checked the option's value; a bad `SANDBOX_LOG` is reported.
    static func chosen(arguments: [String], environment: [String: String]) -> LogLevel {
        let options = arguments.prefix { $0 != "--" }
        var given: String?
        for (index, argument) in options.enumerated() {
            if argument == "--log-level", index + 1 < options.count { given = options[options.startIndex + index + 1] }
            if argument.hasPrefix("--log-level=") { given = String(argument.dropFirst("--log-level=".count)) }
        }
        if let level = given.flatMap(LogLevel.init(rawValue:)) { return level }
        guard let variable = environment["SANDBOX_LOG"], !variable.isEmpty else { return .warning }
        if let level = LogLevel(rawValue: variable.lowercased()) { return level }
        Terminal.error("warning: SANDBOX_LOG=\(variable) is not one of debug, info, warning; logging warnings only")
        return .warning
    }
}

/// The program's log, `$XDG_STATE_HOME/sandbox/sandbox.log`: never the terminal (the console owns
/// the screen) nor stdout (MCP's protocol channel). Every sandbox process appends to it; past
/// ``limit`` bytes it becomes `sandbox.log.1`, replacing the one before, and a new file starts.
final class LogFile: Sendable {
    static let limit = 5 << 20
    static var standardURL: URL { UserDirectories.state.appendingPathComponent("sandbox.log") }

    let url: URL
    private let descriptor = Mutex<Int32>(-1)

    init(url: URL) { self.url = url }

    /// Points swift-log and the engine's default logger at the file. Only the program calls this.
    static func bootstrap(level: LogLevel, file: LogFile = LogFile(url: standardURL)) {
        LoggingSystem.bootstrap { label in FileLogHandler(label: label, file: file, logLevel: level.level) }
        EngineLogging.defaultLogger = Logger(label: "engine")
    }

    /// Appends one line; a log that cannot be written is dropped rather than failing the command.
    func append(_ line: String) {
        descriptor.withLock { fd in
            if fd < 0 { fd = open() }
            guard fd >= 0 else { return }
            var opened = stat(), current = stat()
            if fstat(fd, &opened) == 0, Int(opened.st_size) + line.utf8.count > Self.limit {
                // Another process may have rotated already: then only reopen.
                if stat(url.path, &current) == 0, current.st_ino == opened.st_ino {
                    _ = rename(url.path, url.path + ".1")
                }
                close(fd)
                fd = open()
                guard fd >= 0 else { return }
            }
            var bytes = Array(line.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                bytes = bytes.dropFirst(written)
            }
        }
    }

    private func open() -> Int32 {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return Glibc.open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }
}

/// One line an event: time, pid, level, logger, message, metadata.
struct FileLogHandler: LogHandler {
    let label: String
    let file: LogFile
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, file: LogFile, logLevel: Logger.Level) {
        (self.label, self.file, self.logLevel) = (label, file, logLevel)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let suffix = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        file.append("\(time) [\(getpid())] \(event.level) \(label): \(event.message)\(suffix)\n")
    }
}
