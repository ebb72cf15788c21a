package import LacakSupport
package import LacakModel
package import LacakStore
package import LacakConfig
package import LacakCouriers
package import LacakSpool
package import LacakIntake

/// Applies `OrderRules` inside one state transaction: reads the order and what the rules need,
/// asks the rules, and writes the order, its events, its status changes and their outbox
/// entries.
///
/// Every status change and its notifications are written in the same transaction, which is
/// what makes delivery exactly-once possible.
package struct OrderUpdater: Sendable {
    package let directory: CourierDirectory
    package let composer: NotificationComposer
    let courierNames: [String: String]
    /// The rules themselves, with this configuration's schedules and limits.
    package let rules: OrderRules
    let detector: TrackingNumberDetector
    let detection: DetectionSettings
    /// Every courier code some enabled courier serves.
    let servedCodes: Set<String>

    package init(config: LacakConfig) {
        directory = CourierDirectory(couriers: config.couriers)
        composer = NotificationComposer(config: config)
        courierNames = directory.names
        rules = OrderRules(
            schedules: Dictionary(config.couriers.map { ($0.courierID, PollSchedule(daemon: config.daemon, courier: $0)) }, uniquingKeysWith: { first, _ in first }),
            defaultSchedule: PollSchedule(daemon: config.daemon, courier: nil),
            stallAfter: config.daemon.stallAfter.seconds, dispatchDeadline: config.daemon.dispatchDeadline.seconds,
            maxEvents: config.daemon.maxEvents)
        detector = config.detector
        detection = config.detection
        servedCodes = Set(directory.couriers.flatMap { $0.codes + [$0.id] })
    }

    /// The courier of a tracking number an intake record did not name: one detected candidate,
    /// or the one the preference list or the configured couriers settle on; otherwise the
    /// candidates, and the order waits for a record that names its courier. Never a guess.
    package func detectCourier(_ number: TrackingNumber) -> (code: CourierCode?, candidates: [CourierCode]?) {
        let found = detector.detect(number.rawValue).candidates.map(\.courierCode)
        if found.isEmpty { return (nil, nil) }
        if let chosen = detection.choose(among: found) { return (CourierCode(trusted: chosen), nil) }
        let served = found.filter(servedCodes.contains)
        if served.count == 1 { return (CourierCode(trusted: served[0]), nil) }
        return (nil, found.map(CourierCode.init(trusted:)))
    }

    /// What applying one input did.
    package struct Effect: Sendable, Equatable {
        package var created = false
        package var changed = false
        package var notifications = 0
        /// The aggregator's shipment-level status newly contradicts the events (logged once
        /// per shipment): the message to log.
        package var dispute: String?
        /// Event texts no status rule read, first seen now (courier code, text), for a log line.
        package var newUnmatched: [(courier: String, text: String)] = []

        package static func == (lhs: Effect, rhs: Effect) -> Bool {
            lhs.created == rhs.created && lhs.changed == rhs.changed && lhs.notifications == rhs.notifications
                && lhs.dispute == rhs.dispute && lhs.newUnmatched.map(\.courier) == rhs.newUnmatched.map(\.courier)
                && lhs.newUnmatched.map(\.text) == rhs.newUnmatched.map(\.text)
        }
    }

    /// lacak's code of the courier carrying a package, whose vocabulary reads its events: what
    /// unmatched texts are counted under.
    func vocabulary(of shipment: Shipment) -> String {
        if let id = shipment.courierID, let courier = directory.couriers.first(where: { $0.courierID == id }),
           let code = courier.vocabularyCode(forIntakeCode: shipment.courierCode?.rawValue) {
            return code
        }
        return shipment.courierCode?.rawValue ?? shipment.courierID?.rawValue ?? "unknown"
    }

    // MARK: Intake

    /// How this configuration places couriers, for the rules.
    var placement: OrderRules.CourierPlacement {
        OrderRules.CourierPlacement(resolve: { [directory] code in directory.resolve(code)?.courierID }, detect: { [self] number in detectCourier(number) })
    }

    /// Creates or updates the order named by `record`.
    package func apply(_ record: IntakeRecord, in transaction: any StateTransaction, now: Timestamp) throws -> Effect {
        let shop = OrderRules.ShopUpdate(orderID: record.orderID, shopStatus: record.shopStatus, courier: record.courier,
                                         trackingNumber: record.trackingNumber, packages: record.packages, meta: record.meta)
        let existing = try transaction.order(record.orderID)
        guard let update = rules.apply(shop, to: existing, placement: placement, now: now) else { return Effect() }
        try transaction.save(update.order, previous: existing)
        var effect = Effect()
        effect.created = update.created
        effect.changed = update.changed
        effect.notifications = try recordChanges(update.changes, order: update.order, in: transaction)
        return effect
    }

    // MARK: Tracking results

    /// Applies one courier answer to the order it was fetched for; `polledBy` is the courier
    /// that answered (a fallback provider, when the first one failed).
    package func apply(_ outcome: TrackingOutcome, to shipment: DueShipment, polledBy: CourierID? = nil, retryAfter: Double?, in transaction: any StateTransaction, now: Timestamp, random: Double) throws -> Effect {
        // The order may have changed since it was picked (new tracking number, cancelled).
        guard let order = try transaction.order(shipment.orderID) else { return Effect() }
        let result: OrderRules.PollResult
        var known: Set<String> = []
        switch outcome {
        case .found(let report):
            result = .found(report)
            known = try transaction.eventFingerprints(order.orderID, trackingNumber: shipment.trackingNumber)
        case .notFound(let message): result = .notFound(message: message)
        case .failed(let error): result = .failed(error.description)
        case .deferred(let seconds): result = .deferred(seconds: seconds)
        }
        guard let update = rules.apply(result, to: shipment, of: order, known: known, polledBy: polledBy, retryAfter: retryAfter, now: now, random: random) else {
            return Effect()
        }
        var effect = Effect()
        try transaction.insertEvents(update.newEvents, orderID: order.orderID, trackingNumber: shipment.trackingNumber, seenAt: now)
        if let keep = update.keepNewest { _ = try transaction.pruneEvents(order.orderID, trackingNumber: shipment.trackingNumber, keeping: keep) }
        effect.dispute = update.dispute
        if let package = update.order.shipment(shipment.trackingNumber) {
            let courier = vocabulary(of: package)
            for event in update.unmatched {
                if try transaction.countUnmatched(courier: courier, text: event.description, trackingNumber: shipment.trackingNumber.rawValue, provider: package.courierID?.rawValue, at: now) {
                    effect.newUnmatched.append((courier, event.description))
                }
            }
        }
        try transaction.save(update.order, previous: order, rewriteSnapshot: update.rewriteSnapshot)
        effect.changed = update.changed
        effect.notifications = try recordChanges(update.changes, order: update.order, in: transaction)
        return effect
    }

    /// Reschedules a shipment that could not be polled (no courier serves it).
    package func postpone(_ shipment: DueShipment, reason: String, in transaction: any StateTransaction, now: Timestamp, random: Double) throws {
        guard let order = try transaction.order(shipment.orderID) else { return }
        try transaction.save(rules.postpone(shipment.trackingNumber, of: order, reason: reason, now: now, random: random), previous: order)
    }

    // MARK: Alerts

    /// Tells the seller an order is late to ship, if its alert is due and it is still waiting.
    package func alertLateDispatch(_ orderID: OrderID, in transaction: any StateTransaction, now: Timestamp) throws -> Effect {
        guard let order = try transaction.order(orderID), let update = rules.lateDispatch(order, now: now) else { return Effect() }
        try transaction.save(update.order, previous: order)
        var effect = Effect()
        effect.changed = update.changed
        effect.notifications = try recordChanges(update.changes, order: update.order, in: transaction)
        return effect
    }

    /// Stores status changes and their notifications; returns how many notifications were queued.
    private func recordChanges(_ changes: [StatusChange], order: Order, in transaction: any StateTransaction) throws -> Int {
        var queued = 0
        for var change in changes {
            change.notifications = change.kind.map { composer.recipients(of: $0).count } ?? 0
            let changeID = try transaction.record(change)
            let notifications = composer.compose(change, changeID: changeID, order: order, courierNames: courierNames)
            for notification in notifications {
                try transaction.enqueue(changeID: changeID, orderID: order.orderID, kind: change.kind!, audience: notification.audience,
                                        fileName: notification.fileName, payload: notification.payload, createdAt: change.at)
            }
            queued += notifications.count
        }
        return queued
    }
}
