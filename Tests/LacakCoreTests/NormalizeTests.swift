import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakDaemon
import Foundation

@Suite struct StatusRuleTests {
    func rules() throws -> StatusRuleSet {
        StatusRuleSet([
            try StatusRule(codes: ["DLV", "POD"], status: .delivered),
            try StatusRule(pattern: "retur", status: .returning),
            try StatusRule(pattern: "delivered to|diterima oleh", status: .delivered),
            try StatusRule(pattern: "gagal|not at home", status: .failedAttempt, reason: .recipientAbsent),
            try StatusRule(pattern: #"^out\s+for\s+delivery\b"#, status: .outForDelivery),
        ])
    }

    @Test func matchesCodesExactly() throws {
        let set = try rules()
        #expect(set.classify(code: "DLV", description: "whatever")?.status == .delivered)
        #expect(set.classify(code: "dlv", description: "whatever") == nil)
        #expect(set.classify(code: "DLVX", description: "whatever") == nil)
    }

    @Test func matchesDescriptionsIgnoringCase() throws {
        let set = try rules()
        #expect(set.classify(code: nil, description: "Paket telah DITERIMA OLEH Budi")?.status == .delivered)
        #expect(set.classify(code: nil, description: "DELIVERY FAILED - CONSIGNEE NOT AT HOME")?.reason == .recipientAbsent)
        #expect(set.classify(code: nil, description: "Out   for delivery today")?.status == .outForDelivery)
        #expect(set.classify(code: nil, description: "Sorting") == nil)
    }

    @Test func firstMatchingRuleWins() throws {
        // "Paket retur telah diterima oleh pengirim" matches both; the return rule comes first.
        #expect(try rules().classify(code: nil, description: "Paket retur telah diterima oleh pengirim")?.status == .returning)
    }

    @Test func literalFastPathAgreesWithRegex() throws {
        let fast = try CompiledPattern("delivered to|diterima oleh|attempt-2")
        #expect(CompiledPattern.literalAlternatives("delivered to|diterima oleh") != nil)
        #expect(CompiledPattern.literalAlternatives("deliver(ed)?") == nil)
        for text in ["DELIVERED TO X", "x Diterima Oleh y", "attempt-2", "attempt 2", "deliver", ""] {
            let regex = try NSRegexReference(pattern: "delivered to|diterima oleh|attempt-2")
            #expect(fast.matches(text) == regex.matches(text), "\(text)")
        }
    }

    @Test func rejectsBrokenRules() {
        #expect(throws: StatusRuleError.self) { try StatusRule(status: .delivered) }
        #expect(throws: StatusRuleError.self) { try StatusRule(pattern: "deliver(ed", status: .delivered) }
    }
}

/// NSRegularExpression used directly, as the reference for the fast path.
struct NSRegexReference {
    let regex: NSRegularExpression
    init(pattern: String) throws { regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) }
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

@Suite struct ShipmentProgressTests {
    func event(_ minutes: Int64, _ status: CarrierStatus?, _ text: String = "scan", location: String? = "JAKARTA") -> TrackingEvent {
        TrackingEvent(time: Timestamp(seconds: 1_785_000_000 + minutes * 60), description: text + " \(minutes)", location: location, status: status)
    }

    @Test func dropsRepeatedEventsAndSortsByTime() {
        let first = event(10, .inTransit)
        var repeated = first
        repeated.description = "  SCAN   10 "
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(20, .outForDelivery), first, repeated, event(0, .infoReceived)])
        #expect(progress.newEvents.map(\.status) == [.infoReceived, .inTransit, .outForDelivery])
        #expect(progress.state.status == .outForDelivery)

        let again = ShipmentProgress(current: progress.state, knownFingerprints: Set(progress.newEvents.map(\.fingerprint)), incoming: [first, event(20, .outForDelivery)])
        #expect(again.newEvents.isEmpty)
        #expect(again.decidingEvent == nil)
        #expect(again.state == progress.state)
    }

    @Test func olderEventsNeverUndoDelivery() {
        let delivered = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(0, .inTransit), event(60, .delivered)])
        #expect(delivered.state.status == .delivered)
        // A late "out for delivery" dated before the delivery (a courier re-sorting its
        // history), and one of the same minute, do not undo it.
        let late = ShipmentProgress(current: delivered.state, knownFingerprints: [], incoming: [event(60, .inTransit, "resorted"), event(30, .outForDelivery)])
        #expect(late.state.status == .delivered)
        #expect(late.newEvents.count == 2)
        #expect(late.decidingEvent == nil)
        #expect(!late.foundNewer)
    }

    @Test func newerScansReopenAMisreadDelivery() {
        // "Paket telah diterima oleh SUKOMANUNGGAL" read as delivered; the parcel then moves on.
        let misread = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(0, .infoReceived), event(60, .delivered, "received by hub")])
        #expect(misread.state.status == .delivered)
        let moving = ShipmentProgress(current: misread.state, knownFingerprints: [], incoming: [event(120, .inTransit, "sorted"), event(180, .outForDelivery)])
        #expect(moving.state.status == .outForDelivery)
        #expect(moving.foundNewer)
        #expect(moving.decidingEvent?.status == .outForDelivery)
        // The first delivery after that is believed again.
        let delivered = ShipmentProgress(current: moving.state, knownFingerprints: [], incoming: [event(240, .delivered)])
        #expect(delivered.state.status == .delivered)
    }

    @Test func aReturnThatIsDeliveredIsReturned() {
        let returning = CarrierState(status: .returning, statusTime: Timestamp(seconds: 1_785_000_000))
        let progress = ShipmentProgress(current: returning, knownFingerprints: [], incoming: [event(100, .delivered, "received by SELLER")])
        #expect(progress.state.status == .returned)
        #expect(progress.decidingEvent?.status == .returned)
    }

    @Test func eventsFromTheFutureDecideNothing() {
        let now = Timestamp(seconds: 1_785_000_000 + 60 * 60)
        let typo = TrackingEvent(time: Timestamp(seconds: 253_402_214_400), description: "PICKED UP", status: .inTransit)
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [typo, event(30, .delivered)], now: now)
        #expect(progress.state.status == .delivered, "the 9999-12-31 scan is kept but does not pin the status")
        #expect(progress.newEvents.count == 2)
        #expect(progress.futureEvents == 1)
    }

    @Test func shipmentLevelEvidenceConfirmsAndContradicts() {
        // Delivered per the aggregator, no event says so in words: the newest event carries it.
        let confirmed = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(0, .inTransit), event(10, nil, "POD uploaded")],
                                         evidence: ShipmentEvidence(text: "DELIVERED", status: .delivered))
        #expect(confirmed.state.status == .delivered)
        #expect(confirmed.decidingEvent?.description == "POD uploaded 10")
        #expect(!confirmed.disputed)
        // The events say delivered, the aggregator says still moving: shown, but disputed.
        let disputed = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(0, .inTransit), event(10, .delivered)],
                                        evidence: ShipmentEvidence(text: "ON PROCESS", status: .inTransit))
        #expect(disputed.state.status == .delivered)
        #expect(disputed.disputed)
        // An open shipment-level status never moves the events' status.
        let open = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(0, .infoReceived)],
                                    evidence: ShipmentEvidence(text: "ON PROCESS", status: .inTransit))
        #expect(open.state.status == .infoReceived)
    }

    @Test func olderEventsDoNotOverrideNewerStatus() {
        let current = CarrierState(status: .outForDelivery, statusTime: Timestamp(seconds: 1_785_000_000 + 100 * 60))
        let progress = ShipmentProgress(current: current, knownFingerprints: [], incoming: [event(50, .failedAttempt)])
        #expect(progress.state.status == .outForDelivery)
    }

    @Test func returnsMayFollowDelivery() {
        let delivered = CarrierState(status: .delivered, statusTime: Timestamp(seconds: 1_785_000_000))
        let progress = ShipmentProgress(current: delivered, knownFingerprints: [], incoming: [event(100, .returning, "buyer return")])
        #expect(progress.state.status == .returning)
        #expect(progress.decidingEvent?.description == "buyer return 100")
        let returned = ShipmentProgress(current: progress.state, knownFingerprints: [], incoming: [event(200, .returned), event(300, .inTransit)])
        #expect(returned.state.status == .returned)
    }

    @Test func exceptionsInterruptAndProgressResumes() {
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [
            event(0, .inTransit), event(10, .outForDelivery), event(20, .exception), event(30, .inTransit), event(40, .delivered),
        ])
        #expect(progress.state.status == .delivered)
        let stuck = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [event(10, .outForDelivery), event(20, .exception)])
        #expect(stuck.state.status == .exception)
    }

    @Test func failedAttemptsAlternateWithDeliveryRuns() {
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: [
            event(0, .outForDelivery), event(10, .failedAttempt), event(20, .outForDelivery),
        ])
        #expect(progress.state.status == .outForDelivery)
        #expect(progress.decidingEvent?.time == event(20, nil).time)
    }

    @Test func unclassifiedEventsAreKeptButDoNotMoveStatus() {
        let progress = ShipmentProgress(current: CarrierState(status: .inTransit), knownFingerprints: [], incoming: [event(5, nil, "weather delay")])
        #expect(progress.newEvents.count == 1)
        #expect(progress.state.status == .inTransit)
    }
}

@Suite struct OrderViewTests {
    @Test(arguments: [
        (ShopStatus.unpaid, CarrierStatus.pending, false, BuyerStatus.unpaid, SellerStatus.newOrder),
        (.awaitingShipment, .pending, false, .waitingForDelivery, .newOrder),
        (.onHold, .pending, false, .waitingForDelivery, .newOrder),
        (.awaitingShipment, .pending, true, .waitingForDelivery, .readyToShip),
        (.awaitingCollection, .pending, false, .waitingForDelivery, .readyToShip),
        (.awaitingCollection, .infoReceived, true, .waitingForDelivery, .readyToShip),
        (.awaitingCollection, .inTransit, true, .inTransit, .inShipping),
        (.awaitingCollection, .outForDelivery, true, .inTransit, .inShipping),
        (.awaitingCollection, .failedAttempt, true, .inTransit, .inShipping),
        (.awaitingCollection, .availableForPickup, true, .inTransit, .inShipping),
        (.awaitingCollection, .exception, true, .inTransit, .inShipping),
        (.inTransit, .pending, true, .inTransit, .inShipping),
        (.awaitingCollection, .delivered, true, .received, .completed),
        (.completed, .pending, false, .received, .completed),
        (.delivered, .inTransit, true, .received, .completed),
        (.awaitingCollection, .returning, true, .returnsRefund, .return),
        (.awaitingCollection, .returned, true, .returnsRefund, .return),
        (.returnRefund, .delivered, true, .returnsRefund, .return),
        (.cancelled, .inTransit, true, .cancelled, .cancelled),
        (.awaitingCollection, .cancelled, true, .cancelled, .cancelled),
    ])
    func derivesBothViews(shop: ShopStatus, carrier: CarrierStatus, tracking: Bool, buyer: BuyerStatus, seller: SellerStatus) {
        #expect(OrderView.derive(shop: shop, carrier: carrier, hasTracking: tracking) == OrderView(buyer: buyer, seller: seller))
    }

    @Test func readsTikTokAndLacakShopStatuses() {
        #expect(ShopStatus(intake: "AWAITING_SHIPMENT") == .awaitingShipment)
        #expect(ShopStatus(intake: "awaiting collection") == .awaitingCollection)
        #expect(ShopStatus(intake: "122") == .delivered)
        #expect(ShopStatus(intake: "ready_to_ship") == .awaitingCollection)
        #expect(ShopStatus(intake: "Canceled") == .cancelled)
        #expect(ShopStatus(intake: "SHIPPED_OUT") == nil)
    }

    @Test func choosesOneNotificationPerChange() {
        let waiting = (carrier: CarrierStatus.pending, view: OrderView(buyer: .waitingForDelivery, seller: .readyToShip))
        let transit = (carrier: CarrierStatus.inTransit, view: OrderView(buyer: .inTransit, seller: .inShipping))
        let outForDelivery = (carrier: CarrierStatus.outForDelivery, view: OrderView(buyer: .inTransit, seller: .inShipping))
        let delivered = (carrier: CarrierStatus.delivered, view: OrderView(buyer: .received, seller: .completed))
        #expect(NotificationKind.forChange(from: nil, to: waiting) == .orderCreated)
        #expect(NotificationKind.forChange(from: waiting, to: transit) == .orderShipped)
        #expect(NotificationKind.forChange(from: waiting, to: outForDelivery) == .outForDelivery)
        #expect(NotificationKind.forChange(from: transit, to: delivered) == .orderDelivered)
        #expect(NotificationKind.forChange(from: waiting, to: delivered) == .orderDelivered)
        #expect(NotificationKind.forChange(from: transit, to: (carrier: .inTransit, view: transit.view)) == nil)
        let info = (carrier: CarrierStatus.infoReceived, view: waiting.view)
        #expect(NotificationKind.forChange(from: waiting, to: info) == nil)
        let returning = (carrier: CarrierStatus.returning, view: OrderView(buyer: .returnsRefund, seller: .return))
        let returned = (carrier: CarrierStatus.returned, view: returning.view)
        #expect(NotificationKind.forChange(from: outForDelivery, to: returning) == .returnInProgress)
        #expect(NotificationKind.forChange(from: returning, to: returned) == .orderReturned)
        let cancelled = (carrier: CarrierStatus.pending, view: OrderView(buyer: .cancelled, seller: .cancelled))
        #expect(NotificationKind.forChange(from: waiting, to: cancelled) == .orderCancelled)
    }
}
