package import LacakSupport
package import LacakModel
package import LacakStore
package import LacakConfig
package import LacakCouriers
package import LacakSpool
package import LacakIntake


/// The rules that change an order, applied inside one state transaction: intake records and
/// tracking results in, updated orders, events, status changes and outbox entries out.
///
/// Every status change and its notifications are written in the same transaction, which is
/// what makes delivery exactly-once possible.
package struct OrderUpdater: Sendable {
    package let directory: CourierDirectory
    package let composer: NotificationComposer
    let courierNames: [String: String]
    let schedules: [String: PollSchedule]
    let defaultSchedule: PollSchedule
    let stallAfter: Double
    let dispatchDeadline: Double
    let maxEvents: Int
    let detector: TrackingNumberDetector
    let detection: DetectionSettings
    /// Every courier code some enabled courier serves.
    let servedCodes: Set<String>

    package init(config: LacakConfig) {
        directory = CourierDirectory(couriers: config.couriers)
        composer = NotificationComposer(config: config)
        courierNames = directory.names
        defaultSchedule = PollSchedule(daemon: config.daemon, courier: nil)
        schedules = Dictionary(config.couriers.map { ($0.id, PollSchedule(daemon: config.daemon, courier: $0)) }, uniquingKeysWith: { first, _ in first })
        stallAfter = config.daemon.stallAfter.seconds
        dispatchDeadline = config.daemon.dispatchDeadline.seconds
        maxEvents = config.daemon.maxEvents
        detector = config.detector
        detection = config.detection
        servedCodes = Set(directory.couriers.flatMap { $0.codes + [$0.id] })
    }

    /// The courier of a tracking number an intake record did not name: one detected candidate,
    /// or the one the preference list or the configured couriers settle on; otherwise the
    /// candidates, and the order waits for a record that names its courier. Never a guess.
    package func detectCourier(_ number: TrackingNumber) -> (code: String?, candidates: [String]?) {
        let found = detector.detect(number.rawValue).candidates.map(\.courierCode)
        if found.isEmpty { return (nil, nil) }
        if let chosen = detection.choose(among: found) { return (chosen, nil) }
        let served = found.filter(servedCodes.contains)
        if served.count == 1 { return (served[0], nil) }
        return (nil, found)
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

    /// lacak's code of the courier carrying an order's parcel, whose vocabulary reads its
    /// events: what unmatched texts are counted under.
    func vocabulary(of order: Order) -> String {
        if let id = order.courierID, let courier = directory.couriers.first(where: { $0.id == id }),
           let code = courier.vocabularyCode(forIntakeCode: order.courierCode) {
            return code
        }
        return order.courierCode ?? order.courierID ?? "unknown"
    }

    // MARK: Intake

    /// Creates or updates the order named by `record`.
    package func apply(_ record: IntakeRecord, in transaction: StateTransaction, now: Timestamp) throws -> Effect {
        var effect = Effect()
        guard var order = try transaction.order(record.orderID) else {
            var order = Order(orderID: record.orderID, shopStatus: record.shopStatus ?? .awaitingShipment,
                                    courierCode: record.courier, trackingNumber: record.trackingNumber, now: now)
            if record.courier == nil, let number = record.trackingNumber {
                (order.courierCode, order.courierCandidates) = detectCourier(number)
            }
            order.courierID = directory.resolve(order.courierCode)?.id
            order.meta = record.meta
            order.nextCheck = order.isTrackable ? now : nil
            order.lastEventAt = order.trackingNumber != nil ? now : nil
            watchDispatch(&order, now: now)
            try transaction.insert(order)
            effect.created = true
            effect.notifications = try recordChange(of: order, from: nil, event: nil, in: transaction, now: now)
            if order.courierCandidates != nil {
                effect.notifications += try alert(.courierNeeded, order: order, in: transaction, now: now)
            }
            return effect
        }
        let before = order
        let old = (carrier: order.carrier.status, view: order.view)
        if let status = record.shopStatus { order.shopStatus = status }
        if let meta = record.meta { order.meta = meta }
        if let courier = record.courier, courier != order.courierCode || order.courierCandidates != nil {
            order.courierCode = courier
            order.courierCandidates = nil
            order.courierID = directory.resolve(courier)?.id
        }
        if let number = record.trackingNumber, number != order.trackingNumber {
            // A courier named earlier stays; only an order that never had one is detected.
            if record.courier == nil, order.courierCode == nil {
                (order.courierCode, order.courierCandidates) = detectCourier(number)
                order.courierID = directory.resolve(order.courierCode)?.id
            }
            // A new tracking number is a new shipment: its history starts again.
            if order.trackingNumber != nil { try transaction.deleteEvents(order.orderID) }
            order.trackingNumber = number
            order.carrier = CarrierState()
            order.service = nil
            order.failures = 0
            order.lastError = nil
            order.confirmations = 0
            order.lastEventAt = now
            if order.courierID == nil { order.courierID = directory.resolve(order.courierCode)?.id }
        }
        order.view = OrderView.derive(shop: order.shopStatus, carrier: order.carrier.status, hasTracking: order.trackingNumber != nil)
        if !order.isTrackable {
            order.nextCheck = nil
        } else if order.trackingNumber != before.trackingNumber || (before.nextCheck == nil && !order.carrier.status.isFinal && order.carrier.status != .expired) {
            order.nextCheck = now
        }
        watchDispatch(&order, now: now)
        guard order != before else { return effect }
        order.updatedAt = now
        try transaction.update(order)
        effect.changed = true
        if order.view != old.view || order.carrier.status != old.carrier {
            effect.notifications = try recordChange(of: order, from: old, event: nil, in: transaction, now: now)
        }
        if order.courierCandidates != nil, order.courierCandidates != before.courierCandidates || order.trackingNumber != before.trackingNumber {
            effect.notifications += try alert(.courierNeeded, order: order, in: transaction, now: now)
        }
        return effect
    }

    // MARK: Tracking results

    /// Applies one courier answer to the order it was fetched for; `polledBy` is the courier
    /// that answered (a fallback provider, when the first one failed).
    package func apply(_ outcome: TrackingOutcome, to shipment: DueShipment, polledBy: String? = nil, retryAfter: Double?, in transaction: StateTransaction, now: Timestamp, random: Double) throws -> Effect {
        var effect = Effect()
        // The order may have changed since it was picked (new tracking number, cancelled).
        guard var order = try transaction.order(shipment.orderID), order.trackingNumber == shipment.trackingNumber, order.isTrackable else {
            return effect
        }
        let before = order
        if let polledBy, !outcome.isDeferred { order.courierID = polledBy }
        let schedule = order.courierID.flatMap { schedules[$0] } ?? defaultSchedule
        let old = (carrier: order.carrier.status, view: order.view)
        let wasFinal = order.carrier.status.isFinal
        order.updatedAt = now
        var deciding: TrackingEvent?

        switch outcome {
        case .found(let report):
            order.lastChecked = now
            let known = try transaction.eventFingerprints(order.orderID)
            // A shipment with a hundred thousand events keeps its newest max_events: the older
            // ones are not read again on every poll, and the snapshot says how many went.
            var incoming = report.events
            let truncated = incoming.count > maxEvents
            if truncated {
                // Newest first, ties by fingerprint: the order pruneEvents keeps by, so what the
                // answer keeps and what state keeps are the same events.
                incoming.sort { $0.time != $1.time ? $0.time > $1.time : $0.fingerprint < $1.fingerprint }
                order.eventsDropped = max(order.eventsDropped, incoming.count - maxEvents)
                incoming.removeLast(incoming.count - maxEvents)
            }
            let progress = ShipmentProgress(current: order.carrier, knownFingerprints: known, incoming: incoming,
                                            evidence: report.evidence, now: now)
            try transaction.insertEvents(progress.newEvents, orderID: order.orderID, seenAt: now)
            if known.count + progress.newEvents.count > maxEvents {
                let pruned = try transaction.pruneEvents(order.orderID, keeping: maxEvents)
                // When the answer itself was cut, the pruned ones are among those counted above.
                if !truncated { order.eventsDropped += pruned }
            }
            if !progress.newEvents.isEmpty { order.lastEventAt = now }
            if let service = report.service { order.service = service }
            order.carrier = progress.state
            deciding = progress.decidingEvent
            order.failures = 0
            order.lastError = nil
            let disputed = progress.disputed && order.carrier.status == .delivered
            if disputed, !order.disputed {
                effect.dispute = "\(order.orderID) \(shipment.trackingNumber): the events say delivered, the shipment status says \"\(report.evidence?.text ?? "")\"; polling goes on until they agree"
            }
            order.disputed = disputed
            // Final only when a confirmation poll found nothing newer and the aggregator agrees.
            let confirmed = wasFinal && order.carrier.status.isFinal && !progress.foundNewer && !disputed
            if confirmed { order.confirmations += 1 }
            if !order.carrier.status.isFinal { order.confirmations = 0 }
            expireIfStalled(&order, now: now)
            order.nextCheck = schedule.nextAfterSuccess(status: order.carrier.status, wasFinal: confirmed, now: now, random: random)
            if disputed, isStalled(order, now: now) { order.nextCheck = nil }
            let courier = vocabulary(of: order)
            for event in progress.newEvents where event.status == nil && !event.description.isEmpty {
                if try transaction.countUnmatched(courier: courier, text: event.description, trackingNumber: shipment.trackingNumber.rawValue, provider: order.courierID, at: now) {
                    effect.newUnmatched.append((courier, event.description))
                }
            }
        case .notFound(let message):
            order.lastChecked = now
            if order.carrier.status == .pending { order.carrier.reason = .notFound }
            order.failures = 0
            order.lastError = "not found" + (message.map { ": \($0)" } ?? "")
            expireIfStalled(&order, now: now)
            order.nextCheck = schedule.nextAfterSuccess(status: order.carrier.status, wasFinal: wasFinal, now: now, random: random)
        case .failed(let error):
            order.lastChecked = now
            order.failures += 1
            order.lastError = error.description
            order.nextCheck = schedule.nextAfterFailure(failures: order.failures, retryAfter: retryAfter, now: now, random: random)
        case .deferred(let seconds):
            order.nextCheck = now.adding(seconds: seconds)
        }
        order.view = OrderView.derive(shop: order.shopStatus, carrier: order.carrier.status, hasTracking: true)
        watchDispatch(&order, now: now)
        // A poll that found nothing new rewrites no snapshot: only when it was checked and when
        // it is due again moved (polling neither started nor stopped), and readers need not
        // see every poll as a changed file.
        var unchanged = order
        unchanged.lastChecked = before.lastChecked
        unchanged.updatedAt = before.updatedAt
        if (order.nextCheck == nil) == (before.nextCheck == nil) { unchanged.nextCheck = before.nextCheck }
        if unchanged == before {
            order.updatedAt = before.updatedAt
            try transaction.update(order, rewriteSnapshot: false)
        } else {
            try transaction.update(order)
        }
        if order.carrier.status != old.carrier || order.view != old.view {
            effect.changed = true
            effect.notifications = try recordChange(of: order, from: old, event: deciding, in: transaction, now: now)
        }
        return effect
    }

    /// Reschedules a shipment that could not be polled (no courier serves it).
    package func postpone(_ shipment: DueShipment, reason: String, in transaction: StateTransaction, now: Timestamp, random: Double) throws {
        guard var order = try transaction.order(shipment.orderID) else { return }
        order.lastError = reason
        order.failures += 1
        order.updatedAt = now
        order.nextCheck = defaultSchedule.nextAfterFailure(failures: order.failures, retryAfter: nil, now: now, random: random)
        try transaction.update(order)
    }

    // MARK: Alerts

    /// Tells the seller an order is late to ship, if its alert is due and it is still waiting.
    package func alertLateDispatch(_ orderID: OrderID, in transaction: StateTransaction, now: Timestamp) throws -> Effect {
        var effect = Effect()
        guard var order = try transaction.order(orderID), let due = order.dispatchAlertAt, due <= now else { return effect }
        order.dispatchAlertAt = nil
        order.updatedAt = now
        try transaction.update(order)
        guard order.view.seller == .readyToShip else { return effect }
        effect.changed = true
        effect.notifications = try alert(.lateDispatch, order: order, in: transaction, now: now)
        return effect
    }

    /// Records an alert about an order, its status unchanged, with its notifications.
    private func alert(_ kind: NotificationKind, order: Order, in transaction: StateTransaction, now: Timestamp) throws -> Int {
        let state = (carrier: order.carrier.status, view: order.view)
        return try record(StatusChange(orderID: order.orderID, at: now, old: state, new: state, kind: kind, event: nil), order: order, in: transaction)
    }

    /// Starts the late-dispatch clock when an order becomes Ready to Ship; stops it when it leaves.
    private func watchDispatch(_ order: inout Order, now: Timestamp) {
        if order.view.seller == .readyToShip {
            if order.readySince == nil {
                order.readySince = now
                order.dispatchAlertAt = now.adding(seconds: dispatchDeadline)
            }
        } else {
            order.readySince = nil
            order.dispatchAlertAt = nil
        }
    }

    /// Gives up on a shipment that has shown nothing new for `stall_after`.
    private func expireIfStalled(_ order: inout Order, now: Timestamp) {
        guard !order.carrier.status.isFinal, order.carrier.status != .expired, isStalled(order, now: now) else { return }
        order.carrier = CarrierState(status: .expired, reason: .stalled, statusTime: now)
    }

    /// Whether nothing new has been seen of the shipment for `stall_after`.
    private func isStalled(_ order: Order, now: Timestamp) -> Bool {
        let since = order.lastEventAt ?? order.createdAt
        return Double(now.milliseconds - since.milliseconds) / 1000 > stallAfter
    }

    /// Stores a status change and its notifications; returns how many notifications were queued.
    private func recordChange(of order: Order, from old: (carrier: CarrierStatus, view: OrderView)?, event: TrackingEvent?, in transaction: StateTransaction, now: Timestamp) throws -> Int {
        let new = (carrier: order.carrier.status, view: order.view)
        var kind = NotificationKind.forChange(from: old, to: new)
        // Only a courier's newer scan takes a delivery back; a new tracking number or a shop
        // status from intake starts a new story, told by its own notifications.
        if kind == .deliveryCorrected, event == nil { kind = nil }
        let change = StatusChange(orderID: order.orderID, at: now, old: old, new: new, kind: kind, event: event)
        return try record(change, order: order, in: transaction)
    }

    private func record(_ change: StatusChange, order: Order, in transaction: StateTransaction) throws -> Int {
        var change = change
        change.notifications = change.kind.map { composer.recipients(of: $0).count } ?? 0
        let changeID = try transaction.record(change)
        let courierName = order.courierID.flatMap { courierNames[$0] }
        let notifications = composer.compose(change, changeID: changeID, order: order, courierName: courierName)
        for notification in notifications {
            try transaction.enqueue(changeID: changeID, orderID: order.orderID, kind: change.kind!, audience: notification.audience,
                                    fileName: notification.fileName, payload: notification.payload, createdAt: change.at)
        }
        return notifications.count
    }
}
