package import Foundation

/// A moment in time as milliseconds since the Unix epoch: how lacak stores and compares event times.
///
/// Arithmetic on it is total: every constructor and `adding(seconds:)` saturate at the first
/// and last millisecond of the years 1 to 9999, so no value from outside (a `Retry-After`, an
/// epoch time, a config duration) can trap or produce a time that cannot be written.
package struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var milliseconds: Int64

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
    package static let earliest = Timestamp(unchecked: -62_135_596_800_000)
    package static let latest = Timestamp(unchecked: 253_402_300_799_999)

    /// The instants a courier's event may be dated at: from 1970 (earlier ones are placeholders
    /// such as `0001-01-01`) to the end of year 9999.
    package static let eventRange = Timestamp(unchecked: 0)...latest

    private init(unchecked milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    package init(milliseconds: Int64) {
        self.milliseconds = min(max(milliseconds, Self.earliest.milliseconds), Self.latest.milliseconds)
    }

    package init(seconds: Int64) {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        self.init(milliseconds: overflow ? (seconds < 0 ? Int64.min : Int64.max) : product)
    }

    package init(_ date: Date) {
        self.init(millisecondsSinceEpoch: date.timeIntervalSince1970 * 1000)
    }

    /// From a floating-point count of milliseconds, saturating (NaN is the epoch).
    init(millisecondsSinceEpoch value: Double) {
        guard value.isFinite else {
            self.init(milliseconds: value.isNaN ? 0 : (value < 0 ? Int64.min : Int64.max))
            return
        }
        let bounded = min(max(value.rounded(.down), Double(Self.earliest.milliseconds)), Double(Self.latest.milliseconds))
        self.init(milliseconds: Int64(bounded))
    }

    /// The current wall-clock time.
    package static var now: Timestamp { Timestamp(Date()) }

    package var seconds: Int64 { milliseconds.floorDivided(by: 1000) }
    package var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// This instant moved by `seconds` (saturating at the ends of year 1 and year 9999).
    package func adding(seconds: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Double(milliseconds) + (seconds * 1000).rounded())
    }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    package var description: String { iso8601(in: .utc) }

    /// ISO 8601 text with the offset of `zone` at this moment, e.g. `2026-11-28T10:34:06+07:00`.
    package func iso8601(in zone: ZoneRules) -> String {
        let offset = zone.offsetSeconds(atUTC: seconds)
        let localMillis = milliseconds + Int64(offset) * 1000
        let civil = CivilTime(localMilliseconds: localMillis)
        var text = civil.isoDateTime
        if offset == 0 {
            text += "Z"
        } else {
            let sign = offset < 0 ? "-" : "+"
            let magnitude = abs(offset)
            text += sign + twoDigits(magnitude / 3600) + ":" + twoDigits((magnitude % 3600) / 60)
        }
        return text
    }
}

/// A calendar date and time of day without a zone, in the proleptic Gregorian calendar.
package struct CivilTime: Sendable, Equatable {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    package var millisecond: Int

    package init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// The civil time of a count of milliseconds since 1970-01-01T00:00 on the same clock.
    package init(localMilliseconds: Int64) {
        let days = localMilliseconds.floorDivided(by: 86_400_000)
        let remainder = Int(localMilliseconds - days * 86_400_000)
        let (year, month, day) = CivilTime.civil(fromDays: days)
        self.init(
            year: year, month: month, day: day,
            hour: remainder / 3_600_000, minute: (remainder / 60_000) % 60,
            second: (remainder / 1000) % 60, millisecond: remainder % 1000
        )
    }

    /// Whether the fields name a real date and time (February 30 does not).
    package var isValid: Bool {
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month) else { return false }
        return (0...23).contains(hour) && (0...59).contains(minute) && (0...60).contains(second) && (0...999).contains(millisecond)
    }

    /// Milliseconds since 1970-01-01T00:00 on the same (zone-less) clock.
    package var localMilliseconds: Int64 {
        let days = CivilTime.days(fromCivil: year, month, day)
        return days * 86_400_000 + Int64(hour) * 3_600_000 + Int64(minute) * 60_000 + Int64(min(second, 59)) * 1000 + Int64(millisecond)
    }

    var isoDateTime: String {
        // ISO 8601 wants four year digits: 0999, not 999.
        let yearText = String(year)
        var text = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + twoDigits(month) + "-" + twoDigits(day)
        text += "T" + twoDigits(hour) + ":" + twoDigits(minute) + ":" + twoDigits(second)
        if millisecond != 0 {
            let padded = String(millisecond)
            text += "." + String(repeating: "0", count: 3 - padded.count) + padded
        }
        return text
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil and civil_from_days.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}

/// The UTC offsets of a time zone, answered quickly for zones without daylight saving time.
///
/// Indonesian couriers print local time without an offset, so every such timestamp needs its zone.
package struct ZoneRules: Sendable, Hashable {
    /// The IANA identifier, e.g. `Asia/Jakarta`.
    package let identifier: String
    private let fixedOffset: Int?
    private let zone: TimeZone

    package static let utc = ZoneRules(fixed: TimeZone(identifier: "UTC")!)

    /// The rules of a named zone, or nil when the name is unknown.
    package init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(fixed: zone)
    }

    private init(fixed zone: TimeZone) {
        self.zone = zone
        self.identifier = zone.identifier
        // A zone with no transitions from 1970 on has one offset for every date lacak will see.
        let epoch = Date(timeIntervalSince1970: 0)
        if zone.nextDaylightSavingTimeTransition(after: epoch) == nil {
            fixedOffset = zone.secondsFromGMT(for: Date())
        } else {
            fixedOffset = nil
        }
    }

    /// The offset from UTC in seconds at a UTC instant.
    package func offsetSeconds(atUTC seconds: Int64) -> Int {
        if let fixedOffset { return fixedOffset }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    }

    /// The local wall-clock time in this zone at an instant.
    package func civil(_ time: Timestamp) -> CivilTime {
        CivilTime(localMilliseconds: time.milliseconds + Int64(offsetSeconds(atUTC: time.seconds)) * 1000)
    }

    /// The UTC instant of a local wall-clock time in this zone.
    package func timestamp(local civil: CivilTime) -> Timestamp {
        let local = civil.localMilliseconds
        if let fixedOffset { return Timestamp(milliseconds: local - Int64(fixedOffset) * 1000) }
        let guess = local / 1000 - Int64(offsetSeconds(atUTC: local / 1000))
        let offset = offsetSeconds(atUTC: guess)
        return Timestamp(milliseconds: local - Int64(offset) * 1000)
    }

    package static func == (lhs: ZoneRules, rhs: ZoneRules) -> Bool { lhs.identifier == rhs.identifier }
    package func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    package func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

func twoDigits(_ value: Int) -> String {
    value < 10 ? "0" + String(value) : String(value)
}
