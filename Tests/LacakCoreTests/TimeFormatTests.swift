import Testing
@testable import LacakCore

@Suite struct TimeFormatTests {
    let jakarta = ZoneRules(identifier: "Asia/Jakarta")!

    /// 2026-08-05 14:30:00 in Jakarta (UTC+7) is 07:30:00 UTC.
    let expected = Timestamp(seconds: 1_785_915_000)

    @Test func readsISO8601WithAndWithoutOffset() throws {
        let format = try TimeFormat("iso8601")
        #expect(format.timestamp(from: .string("2026-08-05T07:30:00Z"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("2026-08-05T14:30:00+07:00"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("2026-08-05T14:30:00.250+0700"), zone: jakarta) == expected.adding(seconds: 0.25))
        // No offset: local time in the courier's zone.
        #expect(format.timestamp(from: .string("2026-08-05 14:30:00"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("2026-08-05T14:30"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("2026-02-30T14:30:00Z"), zone: jakarta) == nil)
        #expect(format.timestamp(from: .string("yesterday"), zone: jakarta) == nil)
    }

    @Test func readsEpochSecondsAndMilliseconds() throws {
        #expect(try TimeFormat("epoch").timestamp(from: .integer(1_785_915_000), zone: jakarta) == expected)
        #expect(try TimeFormat("epoch").timestamp(from: .string("1785915000"), zone: jakarta) == expected)
        #expect(try TimeFormat("epoch_ms").timestamp(from: .integer(1_785_915_000_000), zone: jakarta) == expected)
        #expect(try TimeFormat("epoch_ms").timestamp(from: .string("abc"), zone: jakarta) == nil)
    }

    @Test func readsPatternsInTheDefaultZone() throws {
        #expect(try TimeFormat("yyyy-MM-dd HH:mm:ss").timestamp(from: .string("2026-08-05 14:30:00"), zone: jakarta) == expected)
        // Seconds may be missing from the input.
        #expect(try TimeFormat("yyyy-MM-dd HH:mm:ss").timestamp(from: .string("2026-08-05 14:30"), zone: jakarta) == expected)
        #expect(try TimeFormat("dd-MM-yyyy HH:mm").timestamp(from: .string("05-08-2026 14:30"), zone: jakarta) == expected)
        #expect(try TimeFormat("dd/MM/yy HH:mm").timestamp(from: .string("05/08/26 14:30"), zone: jakarta) == expected)
        #expect(try TimeFormat("yyyy-MM-dd'T'HH:mm:ssXXX").timestamp(from: .string("2026-08-05T09:30:00+02:00"), zone: jakarta) == expected)
    }

    @Test func readsEnglishAndIndonesianMonthNames() throws {
        let format = try TimeFormat("dd MMM yyyy HH:mm")
        #expect(format.timestamp(from: .string("05 Aug 2026 14:30"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("05 Agu 2026 14:30"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("5 AGUSTUS 2026 14:30"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("05 Foo 2026 14:30"), zone: jakarta) == nil)
        let may = try TimeFormat("d MMMM yyyy").timestamp(from: .string("12 Mei 2026"), zone: jakarta)
        #expect(may == ZoneRules(identifier: "Asia/Jakarta")!.timestamp(local: CivilTime(year: 2026, month: 5, day: 12)))
    }

    @Test func readsTwelveHourClocks() throws {
        let format = try TimeFormat("MM/dd/yyyy hh:mm a")
        #expect(format.timestamp(from: .string("08/05/2026 02:30 PM"), zone: jakarta) == expected)
        #expect(format.timestamp(from: .string("08/05/2026 12:00 am"), zone: jakarta) == jakarta.timestamp(local: CivilTime(year: 2026, month: 8, day: 5)))
        #expect(format.timestamp(from: .string("08/05/2026 13:30 PM"), zone: jakarta) == nil)
    }

    @Test func followsDaylightSavingTime() throws {
        let newYork = ZoneRules(identifier: "America/New_York")!
        let format = try TimeFormat("yyyy-MM-dd HH:mm")
        // Summer: UTC-4; winter: UTC-5.
        #expect(format.timestamp(from: .string("2026-07-01 12:00"), zone: newYork) == Timestamp(seconds: 1_782_921_600))
        #expect(format.timestamp(from: .string("2026-01-15 12:00"), zone: newYork) == Timestamp(seconds: 1_768_496_400))
    }

    @Test func rejectsBadPatterns() {
        #expect(throws: TimePatternError.self) { try TimeFormat("HH:mm") }
        #expect(throws: TimePatternError.self) { try TimeFormat("yyyy-MM-dd hh:mm") }
        #expect(throws: TimePatternError.self) { try TimeFormat("yyyy-MM-dd QQ") }
        #expect(throws: TimePatternError.self) { try TimeFormat("yyyy-MM-dd-dd") }
    }

    @Test func writesISOTimesInTheZone() {
        #expect(expected.iso8601(in: jakarta) == "2026-08-05T14:30:00+07:00")
        #expect(expected.iso8601(in: .utc) == "2026-08-05T07:30:00Z")
        #expect(HumanTime.format(expected, zone: jakarta, locale: .indonesian) == "5 Agu 2026 14.30 WIB")
        #expect(HumanTime.format(expected, zone: jakarta, locale: .english) == "5 Aug 2026 14:30 WIB")
    }

    @Test func readsRetryAfterInBothForms() {
        let now = Timestamp(seconds: 1_785_915_000)
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds("Wed, 05 Aug 2026 07:31:30 GMT", now: now) == 90)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
    }
}
