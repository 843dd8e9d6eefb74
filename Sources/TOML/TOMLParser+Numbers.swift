extension TOMLParser {
    /// Integers, floats and the four date-time types, which all may start with a digit.
    mutating func numberOrDate() throws(TOMLError) -> TOMLValue {
        if digitsAhead(4), peek(4) == 0x2D { return .dateTime(try dateTime()) }
        if digitsAhead(2), peek(2) == 0x3A {
            var time = TOMLDateTime(kind: .localTime)
            try timeOfDay(into: &time)
            return .dateTime(time)
        }
        let start = here()
        let begin = index
        while let byte = peek, TOMLParser.isBareKey(byte) || byte == 0x2B || byte == 0x2E { index += 1 }
        let token = String(decoding: bytes[begin..<index], as: UTF8.self)
        switch Self.number(token) {
        case nil where token.first?.isLetter == true: throw fail("expected a value, found '\(token)' (strings need quotes)", at: start)
        case nil: throw fail("'\(token)' is not a valid number", at: start)
        case .failure(let problem)?: throw fail("'\(token)' \(problem.message)", at: start)
        case .success(let value)?: return value
        }
    }

    private func digitsAhead(_ count: Int) -> Bool {
        (0..<count).allSatisfy { peek($0).map { (0x30...0x39).contains($0) } ?? false }
    }

    /// nil: not a number at all; a failure: a number TOML does not allow, with why.
    private static func number(_ token: String) -> Result<TOMLValue, NumberProblem>? {
        var body = Substring(token)
        let negative = body.first == "-"
        let signed = body.first == "-" || body.first == "+"
        if signed { body = body.dropFirst() }
        switch body {
        case "inf": return .success(.float(negative ? -.infinity : .infinity))
        case "nan": return .success(.float(.nan))
        default: break
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            let digits = body.dropFirst(2)
            guard !signed else { return .failure("cannot have a sign (only decimal numbers can)") }
            guard underscoresBetweenDigits(digits, radix: radix) else { return nil }
            guard let value = Int64(digits.filter { $0 != "_" }, radix: radix) else { return .failure("does not fit in 64 bits") }
            return .success(.integer(value))
        }
        let exponentAt = body.firstIndex { $0 == "e" || $0 == "E" }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let dot = mantissa.firstIndex(of: ".")
        let whole = mantissa[..<(dot ?? mantissa.endIndex)]
        guard underscoresBetweenDigits(whole, radix: 10) else { return nil }
        guard whole == "0" || !whole.hasPrefix("0") else { return .failure("cannot have leading zeros") }
        if let dot {
            guard underscoresBetweenDigits(mantissa[mantissa.index(after: dot)...], radix: 10) else { return nil }
        }
        if let exponentAt {
            var exponent = body[body.index(after: exponentAt)...]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            guard underscoresBetweenDigits(exponent, radix: 10) else { return nil }
        }
        let plain = token.filter { $0 != "_" }
        if dot == nil && exponentAt == nil {
            guard let value = Int64(plain) else { return .failure("does not fit in 64 bits") }
            return .success(.integer(value))
        }
        return Double(plain).map { .success(.float($0)) }
    }

    struct NumberProblem: Error, ExpressibleByStringLiteral {
        var message: String
        init(stringLiteral message: String) { self.message = message }
    }

    /// Digits of `radix`, with single underscores only between two digits.
    private static func underscoresBetweenDigits(_ text: Substring, radix: Int) -> Bool {
        guard let first = text.first, let last = text.last, first != "_", last != "_", !text.contains("__") else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && $0.hexDigitValue.map { $0 < radix } == true) }
    }

    // MARK: Dates and times (RFC 3339, with a space allowed for the T)

    private mutating func dateTime() throws(TOMLError) -> TOMLDateTime {
        let start = here()
        var value = TOMLDateTime(kind: .localDate)
        value.year = try twoOrFour(4, "year")
        try expect(0x2D, "'-' in the date")
        value.month = try twoOrFour(2, "month")
        try expect(0x2D, "'-' in the date")
        value.day = try twoOrFour(2, "day")
        guard (1...12).contains(value.month) else { throw fail("month \(value.month) is not from 1 to 12", at: start) }
        guard (1...Self.days(inMonth: value.month, of: value.year)).contains(value.day) else {
            throw fail("\(value.description) is not a date (day \(value.day) of month \(value.month))", at: start)
        }
        let timeFollows = peek == 0x54 || peek == 0x74 || (peek == 0x20 && peek(1).map { (0x30...0x39).contains($0) } == true)
        guard timeFollows else { return value }
        index += 1
        value.kind = .localDateTime
        try timeOfDay(into: &value)
        switch peek {
        case 0x5A?, 0x7A?:
            index += 1
            value.kind = .offsetDateTime
            value.offsetMinutes = 0
        case 0x2B?, 0x2D?:
            let sign = peek == 0x2D ? -1 : 1
            index += 1
            let hours = try twoOrFour(2, "offset's hours")
            try expect(0x3A, "':' in the offset")
            let minutes = try twoOrFour(2, "offset's minutes")
            guard hours < 24, minutes < 60 else { throw fail("the offset \(hours):\(minutes) is out of range", at: start) }
            value.kind = .offsetDateTime
            value.offsetMinutes = sign * (hours * 60 + minutes)
        default: break
        }
        return value
    }

    private mutating func timeOfDay(into value: inout TOMLDateTime) throws(TOMLError) {
        let start = here()
        value.hour = try twoOrFour(2, "hour")
        try expect(0x3A, "':' in the time")
        value.minute = try twoOrFour(2, "minute")
        try expect(0x3A, "':' in the time (seconds are required)")
        value.second = try twoOrFour(2, "second")
        guard value.hour < 24, value.minute < 60, value.second <= 60 else {
            throw fail("\(value.hour):\(value.minute):\(value.second) is not a time of day", at: start)
        }
        guard peek == 0x2E else { return }
        index += 1
        let begin = index
        while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
        guard index > begin else { throw fail("expected digits after the '.' of the seconds, found \(found)") }
        value.fraction = String(decoding: bytes[begin..<min(index, begin + 9)], as: UTF8.self)
    }

    private mutating func twoOrFour(_ count: Int, _ what: String) throws(TOMLError) -> Int {
        guard digitsAhead(count) else { throw fail("expected the \(what) as \(count) digits, found \(found)") }
        var value = 0
        for _ in 0..<count { value = value * 10 + Int(bytes[index] - 0x30); index += 1 }
        return value
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(TOMLError) {
        guard peek == byte else { throw fail("expected \(what), found \(found)") }
        index += 1
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
