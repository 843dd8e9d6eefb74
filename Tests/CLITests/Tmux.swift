import Foundation

/// Drives a program in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads.
final class Tmux {
    let session = "sandbox-test-\(UUID().uuidString.prefix(8))"

    init(_ command: String, width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        var args = ["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        for (key, value) in environment { args += ["-e", "\(key)=\(value)"] }
        try tmux(args + [command + "; echo '[exited]' $?; sleep 600"], capture: false)
    }

    deinit { _ = try? tmux(["kill-session", "-t", session]) }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }
    /// Types text literally (no key-name interpretation).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }
    func resize(width: Int, height: Int) throws { try tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"]) }
    func screen(colors: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", session] + (colors ? ["-e"] : []))
    }

    /// Polls the screen until `predicate` holds; returns the last screen either way.
    @discardableResult
    func wait(timeout: Double = 10, for predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return last
    }

    /// Waits until the last non-empty line is a prompt ending in `suffix`: the program is
    /// reading again, so what is typed next is not type-ahead.
    @discardableResult
    func waitForPrompt(_ suffix: String = ">", timeout: Double = 10) throws -> String {
        try wait(timeout: timeout) { screen in
            screen.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.hasSuffix(suffix) ?? false
        }
    }

    @discardableResult
    private func tmux(_ args: [String], capture: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = args
        // A server started here inherits our pipes; reading one to its end would never return.
        let out = Pipe()
        process.standardOutput = capture ? out : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
