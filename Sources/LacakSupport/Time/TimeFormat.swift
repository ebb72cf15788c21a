/// How a courier writes event times, as named in the config (`time_format`).
///
/// Parsing is done by hand instead of with `DateFormatter`: it runs for every event of every
/// poll, must be thread-safe, and has to understand Indonesian month names.
package enum TimeFormat: Sendable, Equatable, CustomStringConvertible {
    /// ISO 8601 / RFC 3339; text without an offset is read in the default zone.
    case iso8601
    /// Seconds since the Unix epoch, as a number or numeric string.
    case epochSeconds
    /// Milliseconds since the Unix epoch.
    case epochMilliseconds
    /// A pattern such as `yyyy-MM-dd HH:mm:ss` or `dd MMM yyyy HH:mm`.
    case pattern(TimePattern)
    /// Several formats tried in order, for APIs that write times more than one way
    /// (Binderbyte: `2026-05-17 12:20:00`, and `17 Mei 12:20 WIB` for some couriers).
    indirect case anyOf([TimeFormat])

    /// Reads a config value: `iso8601`, `epoch`, `epoch_ms` or a pattern.
    package init(_ text: String) throws(TimePatternError) {
        switch text {
        case "iso8601", "rfc3339": self = .iso8601
        case "epoch", "epoch_seconds", "unix": self = .epochSeconds
        case "epoch_ms", "epoch_millis", "epoch_milliseconds": self = .epochMilliseconds
        default: self = .pattern(try TimePattern(text))
        }
    }

    /// Reads a list of config values, tried in order.
    package init(_ texts: [String]) throws(TimePatternError) {
        guard !texts.isEmpty else { throw TimePatternError(pattern: "[]", message: "give at least one format") }
        var formats: [TimeFormat] = []
        for text in texts { formats.append(try TimeFormat(text)) }
        self = formats.count == 1 ? formats[0] : .anyOf(formats)
    }

    package var description: String {
        switch self {
        case .iso8601: return "iso8601"
        case .epochSeconds: return "epoch"
        case .epochMilliseconds: return "epoch_ms"
        case .pattern(let pattern): return pattern.text
        case .anyOf(let formats): return formats.map(\.description).joined(separator: "\" or \"")
        }
    }

    /// Whether the format reads numbers rather than text.
    package var isEpoch: Bool {
        switch self {
        case .epochSeconds, .epochMilliseconds: return true
        case .iso8601, .pattern: return false
        case .anyOf(let formats): return formats.contains(where: \.isEpoch)
        }
    }

    /// The instant a JSON value names, or nil when it does not fit this format or falls outside
    /// `Timestamp.eventRange` (1970 to 9999). `now` places times written without a year (the
    /// nearest such time not in the future).
    package func timestamp(from value: JSONValue, zone: ZoneRules, now: Timestamp = .now) -> Timestamp? {
        guard let time = parse(value, zone: zone, now: now), Timestamp.eventRange.contains(time) else { return nil }
        return time
    }

    private func parse(_ value: JSONValue, zone: ZoneRules, now: Timestamp) -> Timestamp? {
        switch self {
        case .anyOf(let formats):
            for format in formats {
                if let time = format.parse(value, zone: zone, now: now) { return time }
            }
            return nil
        case .epochSeconds:
            // Beyond year 9999 (2.5e11 s) is not a time, and not clamped into one.
            if let seconds = value.integerValue, (-253_402_300_799...253_402_300_799).contains(seconds) { return Timestamp(seconds: seconds) }
            if let seconds = value.doubleValue, seconds.isFinite, abs(seconds) <= 253_402_300_799 {
                return Timestamp(millisecondsSinceEpoch: (seconds * 1000).rounded())
            }
            return nil
        case .epochMilliseconds:
            if let millis = value.integerValue, (-Timestamp.latest.milliseconds...Timestamp.latest.milliseconds).contains(millis) { return Timestamp(milliseconds: millis) }
            if let millis = value.doubleValue, millis.isFinite, abs(millis) <= Double(Timestamp.latest.milliseconds) {
                return Timestamp(millisecondsSinceEpoch: millis)
            }
            return nil
        case .iso8601:
            guard let text = value.stringValue else { return nil }
            return ISO8601Reader.timestamp(text, zone: zone)
        case .pattern(let pattern):
            guard let text = value.scalarText else { return nil }
            return pattern.timestamp(text, zone: zone, now: now)
        }
    }
}

/// A pattern is not usable; the message says which part.
package struct TimePatternError: Error, Sendable, Equatable, CustomStringConvertible {
    package var pattern: String
    package var message: String
    package var description: String { "invalid time format '\(pattern)': \(message)" }
}

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

/// Reads ISO 8601 / RFC 3339 date-times, with `T` or a space between date and time.
enum ISO8601Reader {
    static func timestamp(_ text: String, zone: ZoneRules) -> Timestamp? {
        var cursor = TextCursor(bytes: Array(text.utf8))
        cursor.skipWhitespace()
        guard let year = cursor.number(minDigits: 4, maxDigits: 4), cursor.consume(UInt8(ascii: "-")),
              let month = cursor.number(minDigits: 2, maxDigits: 2), cursor.consume(UInt8(ascii: "-")),
              let day = cursor.number(minDigits: 2, maxDigits: 2)
        else { return nil }
        var civil = CivilTime(year: year, month: month, day: day)
        var offset: Int?
        if cursor.consume(UInt8(ascii: "T")) || cursor.consume(UInt8(ascii: "t")) || cursor.consume(UInt8(ascii: " ")) {
            guard let hour = cursor.number(minDigits: 2, maxDigits: 2), cursor.consume(UInt8(ascii: ":")),
                  let minute = cursor.number(minDigits: 2, maxDigits: 2)
            else { return nil }
            civil.hour = hour
            civil.minute = minute
            if cursor.consume(UInt8(ascii: ":")) {
                guard let second = cursor.number(minDigits: 2, maxDigits: 2) else { return nil }
                civil.second = second
                if cursor.consume(UInt8(ascii: ".")) || cursor.consume(UInt8(ascii: ",")) {
                    guard let millis = cursor.fraction() else { return nil }
                    civil.millisecond = millis
                }
            }
            if !cursor.atEnd {
                cursor.skipWhitespace()
                guard let value = cursor.offset() else { return nil }
                offset = value
            }
        }
        cursor.skipWhitespace()
        guard cursor.atEnd, civil.isValid else { return nil }
        if let offset {
            return Timestamp(milliseconds: civil.localMilliseconds - Int64(offset) * 1000)
        }
        return zone.timestamp(local: civil)
    }
}

/// A read position in ASCII-ish text with the small parsers the time formats share.
struct TextCursor {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Skips spaces and tabs; true when at least one was skipped.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        return index > start
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var digits = 0
        while digits < maxDigits, index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            value = value * 10 + Int(bytes[index] - 0x30)
            index += 1
            digits += 1
        }
        return digits >= minDigits ? value : nil
    }

    /// Fractional seconds after the separator, as milliseconds (extra digits are dropped).
    mutating func fraction() -> Int? {
        var millis = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            if digits < 3 { millis = millis * 10 + Int(bytes[index] - 0x30) }
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        for _ in digits..<max(digits, 3) { millis *= 10 }
        return millis
    }

    /// `Z`, `+07:00`, `+0700`, `+07`, or `UTC`/`GMT`; the offset in seconds east of UTC.
    mutating func offset() -> Int? {
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            index += 1
            return 0
        }
        let rest = bytes[index...]
        // Indonesia's zone words, as couriers print them ("12:20 WIB").
        for (word, seconds) in TextCursor.zoneWords where rest.count >= word.count
            && zip(rest.prefix(word.count), word).allSatisfy({ ($0 | 0x20) == $1 }) {
            let after = index + word.count
            if after == bytes.count || !((bytes[after] | 0x20) >= 0x61 && (bytes[after] | 0x20) <= 0x7A) {
                index = after
                return seconds
            }
        }
        if rest.starts(with: Array("UTC".utf8)) || rest.starts(with: Array("GMT".utf8)) {
            index += 3
            if atEnd { return 0 }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        index += 1
        guard let hours = number(minDigits: 2, maxDigits: 2), hours <= 18 else { return nil }
        _ = consume(UInt8(ascii: ":"))
        let minutes = number(minDigits: 2, maxDigits: 2) ?? 0
        guard minutes < 60 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return negative ? -seconds : seconds
    }

    mutating func meridiem() -> Bool? {
        guard index + 1 < bytes.count else { return nil }
        let first = bytes[index] | 0x20
        let second = bytes[index + 1] | 0x20
        guard second == UInt8(ascii: "m"), first == UInt8(ascii: "a") || first == UInt8(ascii: "p") else { return nil }
        index += 2
        return first == UInt8(ascii: "p")
    }

    /// An English or Indonesian month name, full or abbreviated; the month number.
    mutating func monthName() -> Int? {
        var end = index
        while end < bytes.count, (bytes[end] | 0x20) >= UInt8(ascii: "a"), (bytes[end] | 0x20) <= UInt8(ascii: "z") { end += 1 }
        guard end > index else { return nil }
        let word = String(decoding: bytes[index..<end].map { $0 | 0x20 }, as: UTF8.self)
        guard let month = TextCursor.monthNames[word] else { return nil }
        index = end
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") { index += 1 }
        return month
    }

    /// WITA before WIT, so the longer word wins.
    static let zoneWords: [([UInt8], Int)] = [(Array("wita".utf8), 8 * 3600), (Array("wib".utf8), 7 * 3600), (Array("wit".utf8), 9 * 3600)]

    static let monthNames: [String: Int] = {
        let names: [[String]] = [
            ["jan", "january", "januari"],
            ["feb", "february", "februari", "peb", "pebruari"],
            ["mar", "march", "maret"],
            ["apr", "april"],
            ["may", "mei"],
            ["jun", "june", "juni"],
            ["jul", "july", "juli"],
            ["aug", "august", "agu", "agt", "ags", "agustus"],
            ["sep", "sept", "september"],
            ["oct", "october", "okt", "oktober"],
            ["nov", "november", "nop", "nopember"],
            ["dec", "december", "des", "desember"],
        ]
        var table: [String: Int] = [:]
        for (offset, words) in names.enumerated() {
            for word in words { table[word] = offset + 1 }
        }
        return table
    }()
}
