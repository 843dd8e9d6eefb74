import Foundation

/// Where the running program is, to find the files installed with it: next to the executable in
/// a build (`.build/debug/`), or under its prefix's `libexec/` and `share/` after `make install`.
public enum ProgramLocation {
    /// The executable's directory, symlinks resolved. Not from argv[0], which is a bare name when
    /// the program was found on the PATH.
    public static var executableDirectory: URL {
        // Foundation does not resolve /proc's magic link itself: read it.
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The directories named `name` that ship with the program (themes, examples): the
    /// checkout's (a build runs from `.build/<triple>/debug/`) or the install's `share/sandbox/`,
    /// each holding `marker`.
    public static func shared(_ name: String, marker: String) -> [URL] {
        var dirs: [URL] = []
        var base = executableDirectory
        for _ in 0..<5 {
            for candidate in [base.appendingPathComponent(name), base.appendingPathComponent("share/sandbox/\(name)")]
            where FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) {
                dirs.append(candidate)
            }
            base.deleteLastPathComponent()
        }
        return dirs
    }
}
