import Foundation
import Logging
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

/// Adaptive cadence, final confirmation, stall and late-dispatch rules, with a hand-moved clock.
@Suite struct ScheduleTests {
    struct Setup {
        let directory = TestDirectory("schedule")
        let sim: CourierSimProcess
        let clock = TestClock()
        let pipeline: TrackingPipeline
        let client = LacakTransport.HTTPClient()

        init(scenarios: [String: String], extraDaemon: String = "", extraCourier: String = "") throws {
            sim = try CourierSimProcess(speed: 360_000, scenarios: scenarios)
            let text = TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: "jitter = 0\n" + extraDaemon, extraCourier: extraCourier)
            let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
            pipeline = try TrackingPipeline(config: config, client: client, logger: Logger(label: "test"), clock: clock.function)
        }

        func order(_ id: OrderID) throws -> Order {
            try #require(try pipeline.store.readNow("read") { try $0.order(id) })
        }

        func drop(_ text: String) async throws {
            try directory.write("spool/incoming/\(UUID().uuidString).jsonl", text)
            _ = await pipeline.ingest()
        }

        func titles() throws -> [String] {
            try directory.list("spool/notifications/new").compactMap { name in
                let note = try JSONParser().parse(try directory.read("spool/notifications/new/" + name))
                return "\(note["audience"]?.stringValue ?? "?"): \(note["title"]?.stringValue ?? "?")"
            }
        }
    }

    @Test func pollsByStatusAndStopsAfterTheConfirmation() async throws {
        let setup = try Setup(scenarios: ["JX70001": "delivered"], extraCourier: "[courier.poll_interval]\ninfo_received = \"3h\"")
        try await setup.drop(#"{"order_id": "P-1", "tracking_number": "JX70001", "courier": "jne"}"#)
        #expect(try setup.order("P-1").soleShipment?.nextCheck == setup.clock.now)

        // The first answer: information received, next poll by the courier's own 3h interval.
        _ = await setup.pipeline.pollDue()
        var order = try setup.order("P-1")
        #expect(order.soleShipment?.carrier.status == .infoReceived)
        #expect(order.soleShipment?.nextCheck == setup.clock.now.adding(seconds: 3 * 3600))
        let nothing = await setup.pipeline.pollDue()
        #expect(nothing.polled == 0, "nothing is due before its time")

        // The simulator delivers within a second of real time.
        try await Task.sleep(for: .seconds(1))
        setup.clock.advance(seconds: 3 * 3600)
        _ = await setup.pipeline.pollDue()
        order = try setup.order("P-1")
        #expect(order.soleShipment?.carrier.status == .delivered)
        #expect(order.soleShipment?.nextCheck == setup.clock.now.adding(seconds: 12 * 3600), "one confirmation poll after final_confirmation")

        setup.clock.advance(seconds: 12 * 3600)
        let confirmation = await setup.pipeline.pollDue()
        #expect(confirmation.polled == 1)
        order = try setup.order("P-1")
        #expect(order.soleShipment?.nextCheck == nil, "polling stops after the confirmation")
        #expect(order.soleShipment?.confirmations == 1)
        #expect(try await setup.pipeline.nextWakeup() == nil)
    }

    @Test func expiresStalledShipmentsWithANotification() async throws {
        let setup = try Setup(scenarios: ["JX70002": "not_found"], extraDaemon: "stall_after = \"2d\"")
        try await setup.drop(#"{"order_id": "P-2", "tracking_number": "JX70002", "courier": "jne"}"#)
        _ = await setup.pipeline.pollDue()
        #expect(try setup.order("P-2").soleShipment?.carrier.reason == .notFound)
        setup.clock.advance(seconds: 47 * 3600)
        _ = await setup.pipeline.pollDue(all: true)
        #expect(try setup.order("P-2").soleShipment?.carrier.status == .pending)
        setup.clock.advance(seconds: 2 * 3600)
        _ = await setup.pipeline.pollDue(all: true)
        let order = try setup.order("P-2")
        #expect(order.soleShipment?.carrier.status == .expired)
        #expect(order.soleShipment?.carrier.reason == .stalled)
        #expect(order.soleShipment?.nextCheck == nil)
        #expect(order.view == OrderView(buyer: .inTransit, seller: .inShipping))
        try await setup.pipeline.publish()
        let titles = try setup.titles()
        #expect(titles.contains("seller: Store Update: Tracking Stalled"))
        #expect(!titles.contains("buyer: Store Update: Tracking Stalled"), "the buyer is not told by default")
    }

    @Test func alertsTheSellerOnceWhenDispatchIsLate() async throws {
        let setup = try Setup(scenarios: [:], extraDaemon: "dispatch_deadline = \"24h\"")
        try await setup.drop("""
            {"order_id": "L-1", "status": "AWAITING_COLLECTION"}
            {"order_id": "L-2", "status": "AWAITING_COLLECTION"}
            {"order_id": "L-3", "status": "UNPAID"}
            """)
        #expect(try await setup.pipeline.nextWakeup() == setup.clock.now.adding(seconds: 24 * 3600))
        setup.clock.advance(seconds: 12 * 3600)
        // L-2 ships in time: its alert is withdrawn.
        try await setup.drop(#"{"order_id": "L-2", "status": "IN_TRANSIT"}"#)
        #expect(try setup.order("L-2").dispatchAlertAt == nil)
        #expect(await setup.pipeline.raiseDueAlerts() == 0)
        setup.clock.advance(seconds: 13 * 3600)
        #expect(await setup.pipeline.raiseDueAlerts() == 1)
        #expect(await setup.pipeline.raiseDueAlerts() == 0, "only once")
        try await setup.pipeline.publish()
        let late = try setup.titles().filter { $0.contains("Late Dispatch") }
        #expect(late == ["seller: Store Update: Late Dispatch"])
        #expect(try setup.order("L-1").dispatchAlertAt == nil)
        #expect(try setup.order("L-3").readySince == nil)
    }

    @Test func backsOffAfterFailures() {
        let schedule = PollSchedule(intervals: PollIntervals(), jitter: 0.1, initialBackoff: .minutes(1), maxBackoff: .hours(1))
        let now = Timestamp(seconds: 0)
        #expect(schedule.nextAfterFailure(failures: 1, retryAfter: nil, now: now, random: 0.5) == now.adding(seconds: 60))
        #expect(schedule.nextAfterFailure(failures: 3, retryAfter: nil, now: now, random: 0.5) == now.adding(seconds: 240))
        #expect(schedule.nextAfterFailure(failures: 30, retryAfter: nil, now: now, random: 0.5) == now.adding(seconds: 3600))
        #expect(schedule.nextAfterFailure(failures: 3, retryAfter: 7, now: now, random: 0.5) == now.adding(seconds: 7))
        // Jitter spreads ±10%.
        #expect(schedule.nextAfterSuccess(status: .outForDelivery, wasFinal: false, now: now, random: 0) == now.adding(seconds: 1620))
        #expect(schedule.nextAfterSuccess(status: .outForDelivery, wasFinal: false, now: now, random: 1) == now.adding(seconds: 1980))
        #expect(schedule.nextAfterSuccess(status: .expired, wasFinal: false, now: now, random: 0.5) == nil)
    }

    @Test func gatePacesRequestsAndOpensItsCircuit() async {
        let gate = CourierGate(rate: 10, burst: 2, initialBackoff: 30, maxBackoff: 60)
        var waits: [Double] = []
        for _ in 0..<5 {
            if case .proceed(let wait) = await gate.admit(maxWait: .seconds(10)) { waits.append(wait.seconds) }
        }
        // Two at once (the burst), then one per 100 ms.
        #expect(waits.count == 5)
        #expect(waits[0] < 0.01 && waits[1] < 0.01)
        #expect(abs(waits[2] - 0.1) < 0.02 && abs(waits[4] - 0.3) < 0.02)

        let open = CourierGate(rate: nil, burst: 1, initialBackoff: 30, maxBackoff: 60)
        for _ in 0..<(CourierGate.failureThreshold - 1) { #expect(await open.record(failure: true) == nil) }
        let pause = await open.record(failure: true)
        #expect(pause != nil && pause! >= 27 && pause! <= 33)
        guard case .deferred(let seconds) = await open.admit(maxWait: .seconds(5)) else {
            Issue.record("an open circuit defers requests")
            return
        }
        #expect(seconds > 25)
        // Failures of requests sent before the circuit opened do not lengthen the pause.
        #expect(await open.record(failure: true) == nil)
    }
}
