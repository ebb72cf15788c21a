import Foundation
import LoopbackHTTP
import Logging
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

/// Times from outside — a courier's Retry-After, event times in every format, config durations,
/// the system clock — can neither crash lacak nor park a shipment for years.
@Suite struct TimeHardeningTests {
    let zone = ZoneRules(identifier: "Asia/Jakarta")!

    @Test func timestampArithmeticIsTotal() {
        #expect(Timestamp(seconds: .max) == .latest)
        #expect(Timestamp(seconds: .min) == .earliest)
        #expect(Timestamp(milliseconds: .max) == .latest)
        #expect(Timestamp.now.adding(seconds: 1e308) == .latest)
        #expect(Timestamp.now.adding(seconds: -1e308) == .earliest)
        #expect(Timestamp.now.adding(seconds: .infinity) == .latest)
        #expect(Timestamp.now.adding(seconds: .nan).milliseconds >= 0)
        #expect(Timestamp(Date.distantFuture) <= .latest)

        #expect(Timestamp.latest.iso8601(in: .utc) == "9999-12-31T23:59:59.999Z")
        // Years before 1000 are written with four digits, as ISO 8601 wants.
        let year999 = ISO8601Reader.timestamp("0999-03-04T05:06:07Z", zone: .utc)!
        #expect(year999.iso8601(in: .utc) == "0999-03-04T05:06:07Z")
    }

    @Test func eventTimesOutsideTheCalendarAreUnreadable() throws {
        let epoch = try TimeFormat("epoch")
        let millis = try TimeFormat("epoch_ms")
        #expect(epoch.timestamp(from: .integer(.max), zone: zone) == nil)
        #expect(epoch.timestamp(from: .double(1e300), zone: zone) == nil)
        #expect(millis.timestamp(from: .integer(.max), zone: zone) == nil)
        #expect(millis.timestamp(from: .double(1e16), zone: zone) == nil, "year 318857 is not a time")
        #expect(epoch.timestamp(from: .integer(1_790_000_000), zone: zone) == Timestamp(seconds: 1_790_000_000))
        let pattern = try TimeFormat("yyyy-MM-dd HH:mm:ss")
        #expect(pattern.timestamp(from: .string("0001-01-01 00:00:00"), zone: zone) == nil, "a placeholder date, not an event")
        #expect(pattern.timestamp(from: .string("9999-12-31 23:59:59"), zone: zone) != nil)
    }

    @Test func retryAfterIsBoundedWhateverItSays() {
        let now = Timestamp(seconds: 1_790_000_000)
        for value in ["1e308", "9223372036854775807", "99999999999", "Fri, 31 Dec 9999 23:59:59 GMT"] {
            let seconds = RetryAfter.seconds(value, now: now)
            #expect(seconds == RetryAfter.longest, "\(value)")
        }
        #expect(RetryAfter.seconds("17", now: now) == 17)
        #expect(RetryAfter.seconds("inf", now: now) == nil)
        #expect(RetryAfter.seconds(String(repeating: "9", count: 500), now: now) == nil)
    }

    /// A courier answering 429 with an absurd Retry-After: no trap (one courier must not take
    /// every courier down in a restart loop), and the shipment is due again within retry_max.
    @Test(arguments: ["1e308", "9223372036854775807", "99999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
    func anAbsurdRetryAfterWaitsRetryMax(value: String) async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*") { _ in
            .json(#"{"status": 429, "message": "slow down"}"#, status: 429, headers: [("Retry-After", value)])
        }])
        let directory = TestDirectory("retry-after")
        let clock = TestClock()
        let text = TestConfig.daemon(root: directory.path, extra: "retry_max = \"2h\"") + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:\(server.port)", codes: ["jne"])
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
        let client = LacakTransport.HTTPClient()
        let pipeline = try TrackingPipeline(config: config, client: client, logger: Logger(label: "test"), clock: clock.function)
        try directory.write("spool/incoming/o.json", #"{"order_id": "R-1", "tracking_number": "JX1234567", "courier": "jne"}"#)
        _ = await pipeline.ingest()
        let report = await pipeline.pollDue()
        #expect(report.polled == 1)
        let order = try #require(try pipeline.store.readNow("read") { try $0.order("R-1") })
        let next = try #require(order.soleShipment?.nextCheck)
        #expect(next <= clock.now.adding(seconds: 2 * 3600), "next check \(next) is past retry_max")
        #expect(next > clock.now)
        client.shutdown()
        await server.stop()
    }

    @Test(arguments: [
        ("dispatch_deadline", "9223372036854775807"), ("stall_after", "\"100000d\""), ("retry_max", "\"30d\""),
        ("retry_initial", "0"), ("shutdown_timeout", "\"1h\""), ("intake_rescan", "\"10ms\""), ("max_intake_file_size", "\"99999999999999999GiB\""),
    ])
    func outOfRangeDurationsAndSizesAreConfigErrors(key: String, value: String) throws {
        let text = "[daemon]\nspool_dir = \"/tmp/x/spool\"\nstate_dir = \"/tmp/x/state\"\n\(key) = \(value)\n"
        do {
            _ = try ConfigLoader(environment: [:]).load(text: text, path: "/etc/lacak/ranges.toml")
            Issue.record("\(key) = \(value) was accepted")
        } catch {
            #expect(error.file == "/etc/lacak/ranges.toml")
            #expect(error.line == 4, "\(error)")
            #expect(error.keyPath == "daemon.\(key)", "\(error)")
        }
    }

    @Test func outOfRangeCourierValuesAreConfigErrors() throws {
        for (key, value) in [("timeout", "\"100d\""), ("connect_timeout", "\"1h\""), ("max_response_size", "\"2GiB\""), ("burst", "100000"), ("rate_limit", "1e9")] {
            let text = TestConfig.daemon(root: "/tmp/x") + """
                [[courier]]
                id = "binderbyte"
                preset = "binderbyte"
                endpoint = "http://127.0.0.1:9"
                \(key) = \(value)
                [courier.credentials]
                api_key = { env = "LACAK_TEST_API_KEY" }
                """
            do {
                _ = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: "/etc/lacak/courier-ranges.toml")
                Issue.record("\(key) = \(value) was accepted")
            } catch {
                #expect(error.keyPath == "courier[0].\(key)", "\(error)")
                #expect(error.line != nil, "\(error)")
            }
        }
    }

    /// Run under a clock 30 days ahead, then on the real one: what was scheduled is due, not
    /// stuck a month away.
    @Test func aClockCorrectedBackwardsLeavesNothingStuck() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX80001": "delivered"])
        let directory = TestDirectory("clock")
        let clock = TestClock()
        let text = TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: "jitter = 0")
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let pipeline = try TrackingPipeline(config: config, client: client, logger: Logger(label: "test"), clock: clock.function)
        try directory.write("spool/incoming/o.json", #"{"order_id": "K-1", "tracking_number": "JX80001", "courier": "jne"}"#)
        clock.advance(seconds: 30 * 86_400)
        _ = await pipeline.ingest()
        _ = await pipeline.pollDue()
        let scheduled = try #require(try pipeline.store.readNow("read") { try $0.order("K-1") }?.soleShipment?.nextCheck)
        #expect(scheduled > clock.now)
        clock.advance(seconds: -30 * 86_400)
        let wakeup = try #require(try await pipeline.nextWakeup())
        #expect(wakeup <= clock.now, "the daemon wakes at once")
        let report = await pipeline.pollDue()
        #expect(report.polled == 1, "a next_check a month ahead is due now")
    }

    /// A courier answering with tens of thousands of events for one parcel: the newest
    /// max_events are kept, the snapshot says how many were not, and later polls stay bounded.
    @Test func eventsPerShipmentAreCapped() async throws {
        let count = LockBox(5_000)
        let server = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*") { _ in
            let total = count.withLock { $0 }
            var history: [String] = []
            history.reserveCapacity(total)
            for index in (0..<total).reversed() {
                let time = Timestamp(seconds: 1_780_000_000 + Int64(index) * 60).iso8601(in: .utc).prefix(19).replacingOccurrences(of: "T", with: " ")
                history.append(#"{"date": "\#(time)", "desc": "Paket telah sampai di HUB_\#(index)", "location": ""}"#)
            }
            return .json(#"{"status": 200, "data": {"summary": {"awb": "JT7000001"}, "history": [\#(history.joined(separator: ","))]}}"#)
        }])
        defer { Task { await server.stop() } }
        let directory = TestDirectory("events-cap")
        let text = TestConfig.daemon(root: directory.path, extra: "max_events = 100") + TestConfig.courier(preset: "binderbyte", endpoint: server.baseURL, codes: ["jnt"], extra: "max_response_size = \"16MiB\"")
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let pipeline = try TrackingPipeline(config: config, client: client, logger: Logger(label: "test"))
        try directory.write("spool/incoming/o.json", #"{"order_id": "C-1", "tracking_number": "JT7000001", "courier": "jnt"}"#)
        _ = await pipeline.ingest()
        _ = await pipeline.pollDue(all: true)
        _ = try await pipeline.publish()
        var snapshot = try JSONParser().parse(try directory.read("spool/orders/C-1.json"))
        #expect(snapshot["events"]?.arrayValue?.count == 100)
        #expect(snapshot["events_dropped"]?.integerValue == 4_900)
        #expect(snapshot["events"]?.arrayValue?.last?["description"]?.stringValue == "Paket telah sampai di HUB_4999", "the newest are kept")
        // The same answer again: nothing new, so the snapshot is not rewritten.
        func inode() -> UInt64 {
            // FileManager rather than stat(2), as in SpoolSafetyTests.
            return ((try? FileManager.default.attributesOfItem(atPath: directory.join("spool/orders/C-1.json")))?[.systemFileNumber] as? UInt64) ?? 0
        }
        let first = inode()
        #expect(first != 0)
        _ = await pipeline.pollDue(all: true)
        let report = try await pipeline.publish()
        #expect(report.snapshots == 0)
        #expect(inode() == first, "an unchanged snapshot was rewritten")
        count.withLock { $0 = 5_001 }
        _ = await pipeline.pollDue(all: true)
        _ = try await pipeline.publish()
        snapshot = try JSONParser().parse(try directory.read("spool/orders/C-1.json"))
        #expect(snapshot["events"]?.arrayValue?.count == 100)
        #expect(snapshot["events_dropped"]?.integerValue == 4_901)
        let stored = try pipeline.store.readNow("count") { try $0.events("C-1").values.map(\.count).reduce(0, +) }
        #expect(stored == 100)
    }
}
