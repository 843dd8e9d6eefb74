import Foundation

/// Quoting for POSIX `sh`: the one place a command string is built from words that came from
/// outside, so nothing in a word is ever run.
public enum ShellQuote {
    /// `word` as a single sh word: bare when it holds only characters sh never interprets,
    /// otherwise in single quotes (each `'` written as `'\''`). sh arguments cannot hold a NUL,
    /// so callers refuse words with one before quoting.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(bare.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// `words` quoted and joined by spaces, ready to paste after a command name.
    public static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    private static let bare = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%".unicodeScalars)
}
