import Foundation
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

/// Which courier polls an order: detection from the tracking number, and fallback between
/// providers serving the same courier code.
@Suite struct CourierSelectionTests {
    func pipeline(_ text: String, directory: TestDirectory, clock: TestClock = TestClock()) throws -> TrackingPipeline {
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
        return try TrackingPipeline(config: config, client: LacakTransport.HTTPClient(), logger: Logger(label: "test"), clock: clock.function)
    }

    func order(_ pipeline: TrackingPipeline, _ id: OrderID) throws -> Order {
        try #require(try pipeline.store.readNow("read") { try $0.order(id) })
    }

    @Test func detectsTheCourierOrHoldsTheOrder() async throws {
        let directory = TestDirectory()
        let sim = try CourierSimProcess(speed: 360_000)
        let pipeline = try pipeline(TestConfig.daemon(root: directory.path)
            + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:\(sim.port)", codes: ["jnt", "sicepat", "tiki", "pos"]), directory: directory)
        try directory.write("spool/incoming/a.jsonl", """
            {"order_id": "D-1", "tracking_number": "JP5075192127"}
            {"order_id": "D-2", "tracking_number": "005208225151"}
            {"order_id": "D-3", "tracking_number": "RR123456785ID"}
            {"order_id": "D-4", "tracking_number": "XYZ-UNKNOWN-1"}
            """)
        _ = await pipeline.ingest()
        #expect(try order(pipeline, "D-1").soleShipment?.courierCode == "jnt")
        #expect(try order(pipeline, "D-3").soleShipment?.courierCode == "pos")
        // Twelve digits starting 00: SiCepat or TIKI, both served here; held, not guessed.
        let held = try order(pipeline, "D-2")
        #expect(held.courierCode == nil)
        #expect(held.soleShipment?.courierCandidates == ["sicepat", "tiki"])
        #expect(held.soleShipment?.nextCheck == nil)
        #expect(try order(pipeline, "D-4").courierCode == nil)
        try await pipeline.publish()
        let snapshot = try JSONParser().parse(try directory.read("spool/orders/D-2.json"))
        #expect(snapshot["courier"]?["candidates"] == .array([.string("sicepat"), .string("tiki")]))
        let needed = try directory.list("spool/notifications/new").map { try JSONParser().parse(try directory.read("spool/notifications/new/" + $0)) }
            .filter { $0["kind"] == .string("courier_needed") }
        #expect(needed.count == 1)
        #expect(needed.first?["audience"] == .string("seller"))
        #expect(needed.first?["body"]?.stringValue?.contains("SiCepat, TIKI") == true)

        // A person (or the shop) names the courier: tracking starts.
        try directory.write("spool/incoming/b.json", #"{"order_id": "D-2", "courier": "sicepat"}"#)
        _ = await pipeline.ingest()
        let chosen = try order(pipeline, "D-2")
        #expect(chosen.soleShipment?.courierCode == "sicepat")
        #expect(chosen.soleShipment?.courierCandidates == nil)
        #expect(chosen.soleShipment?.nextCheck != nil)
    }

    @Test func aPreferenceOrTheServedCouriersSettleAmbiguity() throws {
        let directory = TestDirectory()
        let preferring = try ConfigLoader(environment: TestConfig.environment).load(
            text: TestConfig.daemon(root: directory.path) + "[detection]\nprefer = [\"sicepat\"]\n"
                + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:9", codes: ["sicepat", "tiki"]),
            path: directory.join("a.toml"))
        #expect(OrderUpdater(config: preferring).detectCourier("005208225151").code == "sicepat")
        let servingOne = try ConfigLoader(environment: TestConfig.environment).load(
            text: TestConfig.daemon(root: directory.path) + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:9", codes: ["tiki"]),
            path: directory.join("b.toml"))
        #expect(OrderUpdater(config: servingOne).detectCourier("005208225151").code == "tiki")
    }

    @Test func fallsBackToTheNextProviderWhenOneFails() async throws {
        let directory = TestDirectory()
        let broken = try CourierSimProcess(speed: 360_000, extra: ["--fault", "error500"])
        let healthy = try CourierSimProcess(speed: 360_000, scenarios: ["JP1000000001": "delivered"])
        let clock = TestClock()
        let pipeline = try pipeline(TestConfig.daemon(root: directory.path)
            + TestConfig.courier(preset: "binderbyte", id: "primary", endpoint: "http://127.0.0.1:\(broken.port)", codes: ["jnt"])
            + TestConfig.courier(preset: "binderbyte", id: "secondary", endpoint: "http://127.0.0.1:\(healthy.port)", codes: ["jnt"]),
            directory: directory, clock: clock)
        try directory.write("spool/incoming/a.json", #"{"order_id": "F-1", "tracking_number": "JP1000000001", "courier": "jnt"}"#)
        _ = await pipeline.ingest()
        let first = await pipeline.pollDue()
        #expect(first.couriers["primary"]?.failed == 1)
        #expect(try order(pipeline, "F-1").soleShipment?.failures == 1)
        clock.advance(seconds: 3600)
        let second = await pipeline.pollDue()
        #expect(second.couriers["secondary"]?.polled == 1)
        let order = try order(pipeline, "F-1")
        #expect(order.soleShipment?.courierID == "secondary")
        #expect(order.soleShipment?.failures == 0)
        #expect(order.soleShipment?.carrier.status != .pending)
    }

    @Test func passesOverAProviderOutOfQuota() async throws {
        let directory = TestDirectory()
        let limited = try CourierSimProcess(speed: 360_000, extra: ["--quota", "1/600"])
        let healthy = try CourierSimProcess(speed: 360_000)
        let clock = TestClock()
        let pipeline = try pipeline(TestConfig.daemon(root: directory.path)
            + TestConfig.courier(preset: "binderbyte", id: "primary", endpoint: "http://127.0.0.1:\(limited.port)", codes: ["jnt"])
            + TestConfig.courier(preset: "binderbyte", id: "secondary", endpoint: "http://127.0.0.1:\(healthy.port)", codes: ["jnt"]),
            directory: directory, clock: clock)
        try directory.write("spool/incoming/a.jsonl", """
            {"order_id": "Q-1", "tracking_number": "JP1000000011", "courier": "jnt"}
            {"order_id": "Q-2", "tracking_number": "JP1000000012", "courier": "jnt"}
            """)
        _ = await pipeline.ingest()
        // The primary answers once, then says 429 with Retry-After: it is passed over at once.
        _ = await pipeline.pollDue()
        clock.advance(seconds: 5)
        _ = await pipeline.pollDue()
        let polledBy = try ["Q-1", "Q-2"].map { try order(pipeline, $0).soleShipment?.courierID }
        #expect(polledBy.contains("secondary"), "\(polledBy)")
        #expect(try (1...2).allSatisfy { try order(pipeline, OrderID(trusted: "Q-\($0)")).soleShipment?.carrier.status != .pending })
    }
}

@Suite struct GlobalProviderCodeTests {
    func courier(_ preset: String) throws -> CourierSettings {
        try ConfigLoader(environment: TestConfig.environment).load(text: TestConfig.daemon(root: "/tmp/codes")
            + TestConfig.courier(preset: preset, endpoint: "http://127.0.0.1:9"), path: "/tmp/codes/lacak.toml").couriers[0]
    }

    @Test func easyPostServesItsCarriersWithTheirOwnNames() throws {
        let easypost = try courier("easypost")
        let directory = CourierDirectory(couriers: [easypost])
        #expect(directory.resolve("fedex")?.id == "easypost", "an order naming fedex finds EasyPost")
        let adapter = try JSONAdapter(settings: easypost, defaultZone: .utc)
        let request = try adapter.makeRequest(for: [TrackingQuery(trackingNumber: "1Z999", intakeCode: "fedex", courier: easypost)])
        #expect(String(decoding: request.body ?? [], as: UTF8.self).contains(#""carrier": "FedEx""#), "not the default carrier")
        let plain = try adapter.makeRequest(for: [TrackingQuery(trackingNumber: "9400", intakeCode: nil, courier: easypost)])
        #expect(String(decoding: plain.body ?? [], as: UTF8.self).contains(#""carrier": "USPS""#))
    }

    @Test func afterShipServesIndonesianCouriersByTheirSlugs() throws {
        let aftership = try courier("aftership")
        #expect(CourierDirectory(couriers: [aftership]).resolve("jnt")?.id == "aftership")
        #expect(aftership.apiCode(forIntakeCode: "jnt") == "jtexpress-id")
        #expect(aftership.apiCode(forIntakeCode: "ninja") == "ninjavan-id")
        #expect(aftership.vocabularyCode(forIntakeCode: "ninja") == "ninja")
    }
}
