import DockerEngine
import Foundation

/// Writes the console's frames to an asciicast v2 file (what `asciinema play` replays): a
/// header line, then one `[seconds, "o", bytes]` line per frame, written as it is drawn so a
/// console that dies keeps what it recorded. A size change is an `"r"` event and a whole frame.
@MainActor final class ScreenRecorder {
    let path: String
    private let file: FileHandle
    private let started = ContinuousClock.now
    private var renderer: AnsiRenderer
    private var size: (width: Int, height: Int)

    struct Failed: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot record to \(path): \(reason)" }
    }

    init(path: String, theme: Theme, width: Int, height: Int) throws(Failed) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let file = FileHandle(forWritingAtPath: path) else {
            throw Failed(path: path, reason: "the file cannot be created (does its directory exist and is it writable?)")
        }
        (self.path, self.file, self.size) = (path, file, (width, height))
        renderer = AnsiRenderer(theme: theme)
        let header = Header(version: 2, width: width, height: height, timestamp: Int(Date().timeIntervalSince1970),
                            env: ["TERM": "xterm-256color"], title: "sandbox console")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try write(String(decoding: (try? encoder.encode(header)) ?? Data(), as: UTF8.self) + "\n")
    }

    private struct Header: Encodable {
        var version, width, height, timestamp: Int
        var env: [String: String]
        var title: String
    }

    /// New colours from the next frame on (drawn whole).
    func apply(_ theme: Theme) { renderer.theme = theme }

    func record(_ canvas: Canvas) throws(Failed) {
        if (canvas.width, canvas.height) != size {
            size = (canvas.width, canvas.height)
            try event("r", "\(canvas.width)x\(canvas.height)")
        }
        try event("o", renderer.frame(canvas))
    }

    func close() { try? file.close() }

    private func event(_ code: String, _ data: String) throws(Failed) {
        let time = String(format: "%.6f", (ContinuousClock.now - started).seconds)
        try write("[\(time), \"\(code)\", \(Self.json(data))]\n")
    }

    private func write(_ line: String) throws(Failed) {
        do { try file.write(contentsOf: Data(line.utf8)) } catch { throw Failed(path: path, reason: "\(error)") }
    }

    private static func json(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
