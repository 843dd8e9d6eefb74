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
}
