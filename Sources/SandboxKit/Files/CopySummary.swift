/// What a copy between the host and a sandbox did, for the CLI to report.
public struct CopySummary: Sendable, Equatable, CustomStringConvertible {
    public var files = 0
    public var directories = 0
    /// Symbolic links, copied as links.
    public var links = 0
    /// Hard links, devices, fifos and sockets, which are not recreated.
    public var skipped = 0
    /// Bytes of file content.
    public var bytes = 0

    public init() {}

    public var description: String {
        "\(files) file\(files == 1 ? "" : "s") (\(bytes) bytes), \(directories) director\(directories == 1 ? "y" : "ies"), "
            + "\(links) link\(links == 1 ? "" : "s"), \(skipped) skipped"
    }
}
