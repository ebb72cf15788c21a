import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

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
        #expect(HumanTime.format(expected, zone: jakarta, indonesian: true) == "5 Agu 2026 14.30 WIB")
        #expect(HumanTime.format(expected, zone: jakarta, indonesian: false) == "5 Aug 2026 14:30 WIB")
    }

    @Test func readsRetryAfterInBothForms() {
        let now = Timestamp(seconds: 1_785_915_000)
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds("Wed, 05 Aug 2026 07:31:30 GMT", now: now) == 90)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
    }
}

@Suite struct YearlessTimeTests {
    let jakarta = ZoneRules(identifier: "Asia/Jakarta")!

    func at(_ text: String) -> Timestamp {
        ISO8601Reader.timestamp(text, zone: .utc)!
    }

    @Test func binderbytesYearlessDatesWithZoneWords() throws {
        let pattern = try TimePattern("d MMM HH:mm z")
        let now = at("2026-12-01T10:00:00Z")
        #expect(pattern.timestamp("17 Mei 12:20 WIB", zone: jakarta, now: now) == at("2026-05-17T05:20:00Z"))
        #expect(pattern.timestamp("17 Mei 12:20 WITA", zone: jakarta, now: now) == at("2026-05-17T04:20:00Z"))
        #expect(pattern.timestamp("17 Mei 12:20 WIT", zone: jakarta, now: now) == at("2026-05-17T03:20:00Z"))
        // The nearest such date not in the future: in January, December is last year's.
        #expect(pattern.timestamp("31 Des 23:00 WIB", zone: jakarta, now: at("2027-01-02T00:00:00Z")) == at("2026-12-31T16:00:00Z"))
        // A day of slack for clocks and zones: "today, a little later" stays this year.
        #expect(pattern.timestamp("1 Des 18:00 WIB", zone: jakarta, now: now) == at("2026-12-01T11:00:00Z"))
        #expect(pattern.timestamp("30 Feb 10:00 WIB", zone: jakarta, now: now) == nil)
        #expect(pattern.timestamp("17 Mei 12:20 WIBX", zone: jakarta, now: now) == nil)
    }

    @Test func aListOfFormatsIsTriedInOrder() throws {
        let format = try TimeFormat(["yyyy-MM-dd HH:mm:ss", "d MMM HH:mm z"])
        let now = at("2026-12-01T10:00:00Z")
        #expect(format.timestamp(from: .string("2026-05-17 12:20:00"), zone: jakarta, now: now) == at("2026-05-17T05:20:00Z"))
        #expect(format.timestamp(from: .string("17 Mei 12:20 WIB"), zone: jakarta, now: now) == at("2026-05-17T05:20:00Z"))
        #expect(format.description == "yyyy-MM-dd HH:mm:ss\" or \"d MMM HH:mm z")
        #expect(throws: TimePatternError.self) { try TimeFormat([String]()) }
    }

    @Test func theBinderbytePresetReadsAYearlessAnswer() throws {
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: TestConfig.daemon(root: "/tmp/yearless")
            + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:9"), path: "/tmp/yearless/lacak.toml")
        let adapter = try JSONAdapter(settings: config.couriers[0], defaultZone: config.daemon.timeZone)
        let body = #"{"status": 200, "data": {"summary": {"awb": "TKP01", "status": "DELIVERED"}, "history": [{"date": "17 Mei 12:20 WIB", "desc": "Yay, pesanan sudah sampai dan diterima oleh Agung Prasetyo; Penerima asli [KURIR: ANTERAJA]"}, {"date": "15 Mei 17:41 WIB", "desc": "Pesanan sudah di-pickup oleh kurir. [KURIR: ANTERAJA]"}]}}"#
        let outcome = adapter.readShipment(try JSONParser().parse(Array(body.utf8))["data"]!, vocabulary: "anteraja", now: at("2026-12-01T10:00:00Z"))
        guard case .found(let report) = outcome else {
            Issue.record("not read: \(outcome)")
            return
        }
        #expect(report.events.map(\.time) == [at("2026-05-17T05:20:00Z"), at("2026-05-15T10:41:00Z")])
        #expect(report.events.map(\.status) == [.delivered, .inTransit])
        #expect(report.evidence == ShipmentEvidence(text: "DELIVERED", status: .delivered))
    }
}
