// toml-test's decoder interface: TOML on stdin, its values as tagged JSON on stdout; an invalid
// document exits 1 with the error on stderr. Used only by Tests/TOMLTests.
import Foundation
import TOML

func json(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

func tagged(_ type: String, _ value: String) -> String { "{\"type\":\(json(type)),\"value\":\(json(value))}" }

func json(_ value: TOMLValue) -> String {
    switch value {
    case .string(let text): tagged("string", text)
    case .integer(let number): tagged("integer", String(number))
    case .float(let number): tagged("float", number.isNaN ? "nan" : "\(number)")
    case .boolean(let flag): tagged("bool", String(flag))
    case .dateTime(let date):
        switch date.kind {
        case .offsetDateTime: tagged("datetime", date.description)
        case .localDateTime: tagged("datetime-local", date.description)
        case .localDate: tagged("date-local", date.description)
        case .localTime: tagged("time-local", date.description)
        }
    case .array(let items): "[" + items.map { json($0.value) }.joined(separator: ",") + "]"
    case .table(let table): "{" + table.entries.map { json($0.key) + ":" + json($0.node.value) }.joined(separator: ",") + "}"
    }
}

let input = FileHandle.standardInput.readDataToEndOfFile()
do {
    print(json(.table(try TOML.parse(bytes: Array(input)))))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
