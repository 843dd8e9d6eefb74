import Testing
import TOML

/// What the toml-test suite does not check: positions, the messages, and reading values back.
@Suite struct TOMLDocumentTests {
    @Test func everyKeyKeepsItsPosition() throws {
        let document = try TOML.parse("""
            top = 1
            [a]
              b.c = "x"
            [[list]]
            [[list]]
            inline = { k = [1, 2] }
            """)
        #expect(document["top"]?.position == TOMLPosition(line: 1, column: 1))
        let a = try #require(document["a"])
        #expect(a.position.line == 2)
        guard case .table(let table) = a.value, case .table(let b)? = table["b"]?.value else { Issue.record("\(a)"); return }
        #expect(table["b"]?.position == TOMLPosition(line: 3, column: 3))
        #expect(b["c"]?.value == .string("x"))
        guard case .array(let list)? = document["list"]?.value else { Issue.record("no list"); return }
        #expect(list.map(\.position.line) == [4, 5])
        #expect(document.keys == ["top", "a", "list"], "in the order written")
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, 1, "a is defined twice (first at line 1)"),
        ("[t]\n[t]\n", 2, 1, "table [t] is defined twice (first at line 1)"),
        ("a = \"open\n", 1, 10, "the string has no closing '\"' on its line"),
        ("a = 01\n", 1, 5, "'01' cannot have leading zeros"),
        ("a = 9223372036854775808\n", 1, 5, "'9223372036854775808' does not fit in 64 bits"),
        ("a = 1979-02-29\n", 1, 5, "1979-02-29 is not a date (day 29 of month 2)"),
        ("a = \"\\x41\"\n", 1, 7, "unknown escape \\x (TOML 1.0 has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)"),
        ("a = { b = 1,\n}\n", 1, 13, "expected a key, found a newline"),
        ("é = 1\n", 1, 1, "expected a key, found 'é'"),
        ("a = 1 b = 2\n", 1, 7, "expected the end of the line, found 'b'"),
        ("x = [1,\n 2,\n 3\n", 4, 1, "expected ',' or ']' in the array, found the end of the file"),
    ] as [(String, Int, Int, String)])
    func errorsSayWhatAndWhere(text: String, line: Int, column: Int, message: String) {
        #expect(throws: TOMLError(message, at: TOMLPosition(line: line, column: column))) { try TOML.parse(text) }
    }

    @Test func invalidUTF8IsAnErrorAtItsLine() {
        #expect(throws: TOMLError("the file is not valid UTF-8", at: TOMLPosition(line: 2, column: 6))) {
            try TOML.parse(bytes: Array("a = 1\nb = \"".utf8) + [0xFF, 0x22, 0x0A])
        }
    }

    @Test func valuesOfEveryType() throws {
        let document = try TOML.parse(#"""
            s = """
            one \
              two"""
            l = '''C:\path'''
            i = 0xff
            f = -1_000.5e-1
            n = nan
            b = true
            d = 1979-05-27T07:32:00.123456789999-07:30
            t = 07:32:00
            u = "\u00e9\U0001F600"
            """#)
        #expect(document["s"]?.value == .string("one two"))
        #expect(document["l"]?.value == .string(#"C:\path"#))
        #expect(document["i"]?.value == .integer(255))
        #expect(document["f"]?.value == .float(-100.05))
        if case .float(let nan)? = document["n"]?.value { #expect(nan.isNaN) } else { Issue.record("n") }
        #expect(document["b"]?.value == .boolean(true))
        guard case .dateTime(let date)? = document["d"]?.value else { Issue.record("d"); return }
        #expect(date.description == "1979-05-27T07:32:00.123456789-07:30", "nine digits of a fraction are kept")
        #expect(date.offsetMinutes == -450 && date.kind == .offsetDateTime)
        #expect(document["t"]?.value == .dateTime(TOMLDateTime(kind: .localTime, hour: 7, minute: 32)))
        #expect(document["u"]?.value == .string("é😀"))
    }
}

/// A hostile document (a theme from elsewhere): deep nesting is an error, not a crash; a long line
/// of values costs its length, not its square (the time limit would fail a quadratic reading).
@Suite(.timeLimit(.minutes(1))) struct TOMLHostileTests {
    @Test func deepNestingIsAnError() {
        for opener in ["[", "{ a = "] {
            let text = "a = " + String(repeating: opener, count: 100_000)
            #expect(throws: TOMLError.self) { try TOML.parse(text) }
        }
        let fine = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? TOML.parse(fine)) != nil)
    }

    @Test func aLongLineOfValuesIsReadInOnePass() throws {
        let text = "a = [" + Array(repeating: "1", count: 200_000).joined(separator: ",") + "]\nb = [\"é\", 2]\n"
        let document = try TOML.parse(text)
        guard case .array(let items)? = document["a"]?.value else { Issue.record("no array"); return }
        #expect(items.count == 200_000 && items.last?.position == TOMLPosition(line: 1, column: 6 + 2 * 199_999))
        guard case .array(let b)? = document["b"]?.value else { Issue.record("no b"); return }
        #expect(b.map(\.position.column) == [6, 11], "columns count characters, é one")
    }
}
