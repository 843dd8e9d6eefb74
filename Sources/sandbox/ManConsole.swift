import ArgumentParser
import SandboxCommands
import SandboxTUI

/// `sandbox man-console`: the roff of sandbox-console(7), written from the same key and command
/// tables the console reads, so the page cannot drift from what the keys do (`make man`).
struct ManConsole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "man-console", abstract: "Print the sandbox-console(7) manual page (roff).", shouldDisplay: false)

    func run() {
        Terminal.out(Self.page(version: BuildVersion.version))
    }

    static func page(version: String) -> String {
        var lines = [
            #".TH SANDBOX-CONSOLE 7 "" "sandbox \#(escape(version))" "Sandbox Manual""#,
            ".SH NAME", #"sandbox-console \- keys and commands of the sandbox console"#,
            ".SH SYNOPSIS", ".B sandbox", ".RB [ console ]", ".PP", ".B sandbox repl",
            ".SH DESCRIPTION",
            escape("The console (sandbox with no subcommand) shows four panes: the sandbox list, the editor, "
                   + "the output and the command line. A key does what the pane with the focus binds it to; "
                   + "keys listed under \(Scope.global.rawValue) work in every pane that does not bind them itself."),
            ".SH KEYS",
        ]
        for scope in Scope.allCases {
            lines += [".SS " + escape(scope.rawValue)]
            for binding in KeyTable.bindings where binding.scope == scope && !binding.label.isEmpty {
                lines += [".TP", ".B " + escape(binding.label), escape(binding.help)]
            }
        }
        lines += [".SH COMMANDS",
                  escape("Typed on the console's command line (: from the list or the output) and at the REPL's prompt. "
                         + "Commands marked (console) need the editor and work in the console only.")]
        for spec in CommandTable.all {
            let aliases = spec.aliases.isEmpty ? "" : " (also \(spec.aliases.joined(separator: ", ")))"
            lines += [".TP", ".B " + escape(spec.usageLine), escape(spec.summary + aliases + (spec.tuiOnly ? " (console)" : ""))]
        }
        lines += [".SH FILES",
                  ".TP", #".I $XDG_CONFIG_HOME/sandbox/themes/*.theme"#, "Your themes; they win over the installed ones of the same name.",
                  ".TP", #".I $XDG_STATE_HOME/sandbox/history"#, "The command history the console and the REPL share.",
                  ".TP", #".I $XDG_STATE_HOME/sandbox/sandbox.log"#, #"The log (see \-\-log\-level in sandbox(1))."#,
                  ".SH SEE ALSO", ".BR sandbox (1)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text for a roff line: backslashes escaped, and no line starting with a control character.
    static func escape(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }
}
