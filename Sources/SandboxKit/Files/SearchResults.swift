import Foundation

/// An entry of ``DockerSandbox/ls(_:timeout:)``.
public struct FileInfo: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case file, directory, symlink, other }
    public var name: String
    public var path: String
    public var kind: Kind
    public var size: Int64
    public var modified: Date
}

/// A directory's entries, directories first then by name (byte order), at most
/// ``DockerSandbox/listingLimit`` of them, and how many it holds in all.
public struct DirectoryListing: Sendable, Equatable, Codable {
    public var entries: [FileInfo]
    public var total: Int
    /// Whether entries were left out (the directory holds more than the limit).
    public var truncated: Bool { total > entries.count }

    public init(entries: [FileInfo], total: Int) { (self.entries, self.total) = (entries, total) }
}

/// The paths ``DockerSandbox/glob(_:path:timeout:)`` found, sorted; `truncated` when there were more
/// than ``DockerSandbox/listingLimit`` or the file list hit ``DockerSandbox/searchOutputLimit``.
public struct GlobResult: Sendable, Equatable, Codable {
    public var paths: [String]
    public var truncated: Bool

    public init(paths: [String], truncated: Bool) { (self.paths, self.truncated) = (paths, truncated) }
}

/// A line found by ``DockerSandbox/grep(_:path:glob:timeout:)``.
public struct GrepMatch: Sendable, Equatable, Codable {
    public var path: String
    public var line: Int
    public var text: String

    public init(path: String, line: Int, text: String) { (self.path, self.line, self.text) = (path, line, text) }
}

/// The lines ``DockerSandbox/grep(_:path:glob:timeout:)`` found, by path and line; `truncated`
/// when there were more than ``DockerSandbox/listingLimit`` or grep's output hit
/// ``DockerSandbox/searchOutputLimit``.
public struct GrepResult: Sendable, Equatable, Codable {
    public var matches: [GrepMatch]
    public var truncated: Bool

    public init(matches: [GrepMatch], truncated: Bool) { (self.matches, self.truncated) = (matches, truncated) }
}
