import Testing
@testable import LacakSupport
@testable import LacakModel

/// The order rules called directly: an order and a fact in, the order to store and what to
/// record out. No database, no process, no clock.
@Suite struct OrderRulesTests {
    static let now = Timestamp(seconds: 1_790_000_000)
    static let hour = 3600.0

    static let rules: OrderRules = {
        let schedule = PollSchedule(intervals: PollIntervals(), jitter: 0, initialBackoff: ConfigDuration(seconds: 60), maxBackoff: .hours(6))
        return OrderRules(schedules: [:], defaultSchedule: schedule, stallAfter: 14 * 86_400, dispatchDeadline: 48 * hour, maxEvents: 5)
    }()

    /// Couriers placed as a config with one courier serving `jne` would.
    static let placement = OrderRules.CourierPlacement(
        resolve: { $0 == "jne" ? "jne-api" : nil },
        detect: { number in number.rawValue.hasPrefix("JX") ? ("jne", nil) : number.rawValue.hasPrefix("XX") ? (nil, ["jne", "jnt"]) : (nil, nil) })

    static func created(_ number: TrackingNumber? = "JX2611280001", shop: ShopStatus = .awaitingCollection) throws -> Order {
        let update = try #require(rules.apply(.init(orderID: "T-1", shopStatus: shop, trackingNumber: number), to: nil, placement: placement, now: now))
        return update.order
    }

    static func event(_ text: String, hoursAgo: Double, _ status: CarrierStatus?) -> TrackingEvent {
        TrackingEvent(time: now.adding(seconds: -hoursAgo * hour), description: text, status: status)
    }

    static func poll(_ order: Order, _ result: OrderRules.PollResult, known: Set<String> = [], at time: Timestamp = now, retryAfter: Double? = nil) -> OrderRules.Update? {
        let shipment = DueShipment(orderID: order.orderID, trackingNumber: order.soleShipment?.trackingNumber ?? "XX00000", courierCode: order.courierCode, courierID: order.soleShipment?.courierID)
        return rules.apply(result, to: shipment, of: order, known: known, polledBy: nil, retryAfter: retryAfter, now: time, random: 0.5)
    }

    @Test func aNewOrderWithATrackingNumberIsPlacedAndDueAtOnce() throws {
        let update = try #require(Self.rules.apply(.init(orderID: "T-1", shopStatus: .awaitingCollection, trackingNumber: "JX2611280001"), to: nil, placement: Self.placement, now: Self.now))
        #expect(update.created)
        #expect(update.order.soleShipment?.courierCode == "jne")
        #expect(update.order.soleShipment?.courierID == "jne-api")
        #expect(update.order.soleShipment?.nextCheck == Self.now)
        #expect(update.changes.count == 1)
        #expect(update.changes.first?.old == nil)
        #expect(update.changes.first?.kind == .orderCreated)
    }

    @Test func aNumberThatFitsTwoCouriersWaitsAndAsksTheSeller() throws {
        let update = try #require(Self.rules.apply(.init(orderID: "T-2", trackingNumber: "XX2611280002"), to: nil, placement: Self.placement, now: Self.now))
        #expect(update.order.soleShipment?.courierCandidates == ["jne", "jnt"])
        #expect(update.order.soleShipment?.nextCheck == nil)
        #expect(update.changes.map(\.kind) == [.orderCreated, .courierNeeded])
        // The seller names the courier: tracking starts.
        let named = try #require(Self.rules.apply(.init(orderID: "T-2", courier: "jne"), to: update.order, placement: Self.placement, now: Self.now))
        #expect(named.order.soleShipment?.courierCandidates == nil)
        #expect(named.order.soleShipment?.courierID == "jne-api")
        #expect(named.order.soleShipment?.nextCheck == Self.now)
    }

    @Test func theSameRecordAgainChangesNothingAndANewNumberStartsAgain() throws {
        let order = try Self.created()
        #expect(Self.rules.apply(.init(orderID: "T-1", shopStatus: .awaitingCollection, trackingNumber: "JX2611280001"), to: order, placement: Self.placement, now: Self.now) == nil)
        // Naming the courier detection had already chosen changes nothing either.
        #expect(Self.rules.apply(.init(orderID: "T-1", courier: "jne", trackingNumber: "JX2611280001"), to: order, placement: Self.placement, now: Self.now) == nil)
        #expect(Self.rules.apply(.init(orderID: "T-1", courier: "jne"), to: order, placement: Self.placement, now: Self.now) == nil)
        let later = Self.now.adding(seconds: Self.hour)
        let replaced = try #require(Self.rules.apply(.init(orderID: "T-1", trackingNumber: "JX2611289999"), to: order, placement: Self.placement, now: later))
        // The old package is gone from the order, so the store deletes it with its events.
        #expect(replaced.order.shipments.map(\.trackingNumber) == ["JX2611289999"])
        #expect(replaced.order.soleShipment?.trackingNumber == "JX2611289999")
        #expect(replaced.order.soleShipment?.carrier == CarrierState())
        #expect(replaced.order.soleShipment?.nextCheck == later)
    }

    @Test func deliveredIsConfirmedOnceThenPollingStops() throws {
        var order = try Self.created()
        let delivered = try #require(Self.poll(order, .found(TrackingReport(events: [
            Self.event("Paket diterima di gudang", hoursAgo: 30, .inTransit),
            Self.event("Delivered to BUDI", hoursAgo: 1, .delivered),
        ]))))
        #expect(delivered.newEvents.count == 2)
        #expect(delivered.order.soleShipment?.carrier.status == .delivered)
        #expect(delivered.changes.map(\.kind) == [.orderDelivered])
        #expect(delivered.changes.first?.event?.description == "Delivered to BUDI")
        #expect(delivered.order.soleShipment?.nextCheck == Self.now.adding(seconds: 12 * Self.hour))
        order = delivered.order
        let known = Set(delivered.newEvents.map(\.fingerprint))
        let confirmation = try #require(Self.poll(order, .found(TrackingReport(events: delivered.newEvents)), known: known, at: Self.now.adding(seconds: 12 * Self.hour)))
        #expect(confirmation.newEvents.isEmpty)
        #expect(confirmation.changes.isEmpty)
        #expect(confirmation.order.soleShipment?.confirmations == 1)
        #expect(confirmation.order.soleShipment?.nextCheck == nil)
    }

    @Test func aPollThatFindsNothingNewRewritesNoSnapshot() throws {
        let order = try Self.created()
        let first = try #require(Self.poll(order, .found(TrackingReport(events: [Self.event("Paket diterima di gudang", hoursAgo: 3, .inTransit)]))))
        #expect(first.rewriteSnapshot)
        let again = try #require(Self.poll(first.order, .found(TrackingReport(events: first.newEvents)), known: Set(first.newEvents.map(\.fingerprint)),
                                           at: Self.now.adding(seconds: 2 * Self.hour)))
        #expect(!again.rewriteSnapshot)
        #expect(!again.changed)
    }

    @Test func theNewestMaxEventsAreKeptAndTheRestCounted() throws {
        let order = try Self.created()
        let old = (1...4).map { Self.event("scan \($0)", hoursAgo: Double(20 - $0), .inTransit) }
        let update = try #require(Self.poll(order, .found(TrackingReport(events: old + (5...7).map { Self.event("scan \($0)", hoursAgo: Double(20 - $0), .inTransit) })),
                                            known: Set(old.map(\.fingerprint))))
        #expect(update.newEvents.count == 3)
        #expect(update.keepNewest == 5)
        #expect(update.order.soleShipment?.eventsDropped == 2)
    }

    @Test func failuresBackOffAndRetryAfterWins() throws {
        let order = try Self.created()
        let failed = try #require(Self.poll(order, .failed("HTTP 502")))
        #expect(failed.order.soleShipment?.failures == 1)
        #expect(failed.order.soleShipment?.lastError == "HTTP 502")
        #expect(failed.order.soleShipment?.nextCheck == Self.now.adding(seconds: 60))
        let limited = try #require(Self.poll(failed.order, .failed("rate limited"), retryAfter: 900))
        #expect(limited.order.soleShipment?.failures == 2)
        #expect(limited.order.soleShipment?.nextCheck == Self.now.adding(seconds: 900))
    }

    @Test func anAnswerForAReplacedNumberChangesNothing() throws {
        let order = try Self.created()
        let shipment = DueShipment(orderID: order.orderID, trackingNumber: "JX0000000000", courierCode: "jne", courierID: "jne-api")
        #expect(Self.rules.apply(.notFound(message: nil), to: shipment, of: order, known: [], polledBy: nil, retryAfter: nil, now: Self.now, random: 0) == nil)
    }

    @Test func theSellerIsToldOnceWhenAnOrderIsLateToShip() throws {
        let order = try Self.created(nil, shop: .awaitingCollection)
        #expect(order.view.seller == .readyToShip)
        let due = try #require(order.dispatchAlertAt)
        #expect(due == Self.now.adding(seconds: 48 * Self.hour))
        #expect(Self.rules.lateDispatch(order, now: Self.now) == nil)
        let alert = try #require(Self.rules.lateDispatch(order, now: due))
        #expect(alert.changes.map(\.kind) == [.lateDispatch])
        #expect(alert.order.dispatchAlertAt == nil)
        #expect(Self.rules.lateDispatch(alert.order, now: due.adding(seconds: 1)) == nil)
    }
}
