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
