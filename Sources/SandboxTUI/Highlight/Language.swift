import Foundation

/// The languages the editor colours, told by the file's extension or, failing that, its shebang.
public enum Language: String, Sendable, CaseIterable {
    case python, javascript, shell, json, toml

    /// The language of `path`, or nil for a file shown in one colour.
    public static func of(path: String, firstLine: some Sequence<Character>) -> Language? {
        switch (path as NSString).pathExtension.lowercased() {
        case "py", "pyw", "pyi": return .python
        case "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx": return .javascript
        case "sh", "bash", "zsh", "ksh", "dash": return .shell
        case "json", "jsonc", "ipynb": return .json
        case "toml": return .toml
        default: return shebang(String(firstLine))
        }
    }

    /// `#!/usr/bin/env python3`, `#!/bin/sh -e`: the interpreter's name decides.
    static func shebang(_ line: String) -> Language? {
        guard line.hasPrefix("#!") else { return nil }
        let words = line.dropFirst(2).split(separator: " ")
        guard var program = words.first.map({ String($0.split(separator: "/").last ?? $0) }) else { return nil }
        if program == "env" { program = words.dropFirst().first { !$0.hasPrefix("-") }.map(String.init) ?? "" }
        if program.hasPrefix("python") { return .python }
        if ["node", "nodejs", "deno", "bun"].contains(program) { return .javascript }
        if ["sh", "bash", "zsh", "ksh", "dash", "ash"].contains(program) { return .shell }
        return nil
    }

    /// Characters that, ending a line, open a block: Enter indents the next line one level more.
    var opensBlock: Set<Character> { self == .python ? [":", "{", "[", "("] : ["{", "[", "("] }
}
