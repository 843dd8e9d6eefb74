/// Text that came from outside (a sandbox, its runner, a daemon) made safe to print on a
/// terminal: a C0 or C1 control character or DEL could start an escape sequence (U+009B is a
/// CSI on its own), and a bidi override could make a line read as something else.
public enum TerminalText {
    /// Whether a terminal could act on `scalar` rather than show it.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `text` on one line: line breaks and tabs become spaces, other controls "?".
    public static func oneLine(_ text: some StringProtocol) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            guard isControl(scalar) else { return scalar }
            return ["\n", "\r", "\t"].contains(scalar) ? " " : "?"
        }))
    }
}
