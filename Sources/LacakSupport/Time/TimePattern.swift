/// A compiled date pattern in the common `yyyy-MM-dd HH:mm:ss` notation.
///
/// Fields: `yyyy yy MM M MMM MMMM dd d HH H hh h mm m ss s S… a Z XXX z`, text in single
/// quotes is literal, a space matches any run of whitespace. Month names are read in English and
/// Indonesian; offsets also as Indonesia's zone words WIB, WITA and WIT. Trailing seconds,
/// fractions and offsets may be missing from the input. A pattern without a year reads the
/// nearest such time that is not in the future.
package struct TimePattern: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case year4, year2, month, monthName, day, hour24, hour12, minute, second, fraction, meridiem, offset
        case literal(UInt8)
        case whitespace

        var isOptionalTail: Bool {
            switch self {
            case .second, .fraction, .offset: return true
            default: return false
            }
        }
    }

    let tokens: [Token]
    /// Whether the pattern names the year; without one, the nearest past year is taken.
    let hasYear: Bool
    /// The pattern as written.
    package let text: String

    package init(_ text: String) throws(TimePatternError) {
        self.text = text
        var tokens: [Token] = []
        let bytes = Array(text.utf8)
        var index = 0
        var seen: Set<String> = []
        while index < bytes.count {
            let byte = bytes[index]
            var run = 1
            while index + run < bytes.count, bytes[index + run] == byte { run += 1 }
            let letter = Character(UnicodeScalar(byte))
            func field(_ token: Token, _ name: String) throws(TimePatternError) {
                guard seen.insert(name).inserted else {
                    throw TimePatternError(pattern: text, message: "the \(name) appears twice")
                }
                tokens.append(token)
            }
            switch letter {
            case "y":
                guard run == 4 || run == 2 else { throw TimePatternError(pattern: text, message: "use yyyy or yy for the year") }
                try field(run == 4 ? .year4 : .year2, "year")
            case "M":
                guard run <= 4 else { throw TimePatternError(pattern: text, message: "too many M") }
                try field(run >= 3 ? .monthName : .month, "month")
            case "d":
                guard run <= 2 else { throw TimePatternError(pattern: text, message: "use dd or d for the day") }
                try field(.day, "day")
            case "H":
                guard run <= 2 else { throw TimePatternError(pattern: text, message: "use HH or H for the hour") }
                try field(.hour24, "hour")
            case "h":
                guard run <= 2 else { throw TimePatternError(pattern: text, message: "use hh or h for the hour") }
                try field(.hour12, "hour")
            case "m":
                guard run <= 2 else { throw TimePatternError(pattern: text, message: "use mm or m for minutes") }
                try field(.minute, "minute")
            case "s":
                guard run <= 2 else { throw TimePatternError(pattern: text, message: "use ss or s for seconds") }
                try field(.second, "second")
            case "S":
                try field(.fraction, "fraction")
            case "a":
                try field(.meridiem, "AM/PM marker")
            case "Z", "X", "x", "z":
                try field(.offset, "offset")
            case "'":
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
                    throw TimePatternError(pattern: text, message: "unclosed quote")
                }
                for literal in bytes[(index + 1)..<close] { tokens.append(.literal(literal)) }
                index = close + 1
                continue
            case " ":
                tokens.append(.whitespace)
            default:
                if letter.isLetter {
                    throw TimePatternError(pattern: text, message: "unknown field letter '\(letter)' (quote literal text with '…')")
                }
                for _ in 0..<run { tokens.append(.literal(byte)) }
            }
            index += run
        }
        let has = { (name: String) in seen.contains(name) }
        guard has("month"), has("day") else {
            throw TimePatternError(pattern: text, message: "a pattern needs a month and a day (and a year, unless the API leaves it out)")
        }
        hasYear = has("year")
        if tokens.contains(.hour12) != tokens.contains(.meridiem) {
            throw TimePatternError(pattern: text, message: "a 12-hour clock (hh) needs an AM/PM marker (a) and the other way round")
        }
        self.tokens = tokens
    }

    /// The instant named by `text`, read in `zone` unless the text carries an offset; a text
    /// without a year is placed in the latest year that does not put it after `now` (give or
    /// take a day of clock and zone slack).
    package func timestamp(_ text: String, zone: ZoneRules, now: Timestamp = .now) -> Timestamp? {
        guard hasYear else {
            let slack: Int64 = 86_400_000
            let year = zone.civil(now).year
            for candidate in [year + 1, year, year - 1] {
                if let time = read(text, zone: zone, year: candidate), time.milliseconds <= now.milliseconds + slack { return time }
            }
            return nil
        }
        return read(text, zone: zone, year: nil)
    }

    private func read(_ text: String, zone: ZoneRules, year: Int?) -> Timestamp? {
        var civil = CivilTime(year: year ?? 0, month: 1, day: 1)
        var offsetSeconds: Int?
        var pm: Bool?
        let bytes = Array(text.utf8)
        var cursor = TextCursor(bytes: bytes)
        cursor.skipWhitespace()
        for (position, token) in tokens.enumerated() {
            if cursor.atEnd {
                // Input may stop before optional trailing fields ("2026-01-02 10:56" for ":ss").
                let rest = tokens[position...]
                if rest.allSatisfy({ $0.isOptionalTail || $0 == .whitespace || $0.isSeparatorLiteral }) { break }
                return nil
            }
            switch token {
            case .year4:
                guard let value = cursor.number(minDigits: 4, maxDigits: 4) else { return nil }
                civil.year = value
            case .year2:
                guard let value = cursor.number(minDigits: 2, maxDigits: 2) else { return nil }
                civil.year = 2000 + value
            case .month:
                guard let value = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
                civil.month = value
            case .monthName:
                guard let value = cursor.monthName() else { return nil }
                civil.month = value
            case .day:
                guard let value = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
                civil.day = value
            case .hour24, .hour12:
                guard let value = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
                civil.hour = value
            case .minute:
                guard let value = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
                civil.minute = value
            case .second:
                guard let value = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
                civil.second = value
            case .fraction:
                guard let value = cursor.fraction() else { return nil }
                civil.millisecond = value
            case .meridiem:
                guard let value = cursor.meridiem() else { return nil }
                pm = value
            case .offset:
                guard let value = cursor.offset() else { return nil }
                offsetSeconds = value
            case .whitespace:
                guard cursor.skipWhitespace() else { return nil }
            case .literal(let byte):
                guard cursor.consume(byte) else { return nil }
            }
        }
        cursor.skipWhitespace()
        guard cursor.atEnd else { return nil }
        if let pm {
            guard (1...12).contains(civil.hour) else { return nil }
            civil.hour = civil.hour % 12 + (pm ? 12 : 0)
        }
        guard civil.isValid else { return nil }
        if let offsetSeconds {
            return Timestamp(milliseconds: civil.localMilliseconds - Int64(offsetSeconds) * 1000)
        }
        return zone.timestamp(local: civil)
    }
}

extension TimePattern.Token {
    var isSeparatorLiteral: Bool {
        if case .literal(let byte) = self { return byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") }
        return false
    }
}
