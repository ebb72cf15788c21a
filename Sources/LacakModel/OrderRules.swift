package import LacakSupport

/// The rules that change an order, as pure functions: the order as stored and what happened
/// (a shop update, a courier's answer, the clock) in; the order as it is to be stored and what
/// to record with it out. No I/O: `OrderUpdater` reads the facts from state, asks these rules,
/// and writes what they return in one transaction.
package struct OrderRules: Sendable {
    /// The poll schedule of each configured courier, by courier id.
    package var schedules: [String: PollSchedule]
    /// The schedule of shipments no configured courier polls.
    package var defaultSchedule: PollSchedule
    /// Seconds without anything new after which a shipment is given up (`expired`).
    package var stallAfter: Double
    /// Seconds an order may stay Ready to Ship before the seller is told it is late.
    package var dispatchDeadline: Double
    /// Events kept per shipment; older ones are dropped and counted.
    package var maxEvents: Int

    package init(schedules: [String: PollSchedule], defaultSchedule: PollSchedule, stallAfter: Double, dispatchDeadline: Double, maxEvents: Int) {
        self.schedules = schedules
        self.defaultSchedule = defaultSchedule
        self.stallAfter = stallAfter
        self.dispatchDeadline = dispatchDeadline
        self.maxEvents = maxEvents
    }

    /// What the shop says about an order (an intake record, in the model's terms).
    package struct ShopUpdate: Sendable, Equatable {
        package var orderID: OrderID
        package var shopStatus: ShopStatus?
        /// The courier code or courier id the shop named, lowercase.
        package var courier: String?
        package var trackingNumber: TrackingNumber?
        /// Extra fields, as compact JSON text.
        package var meta: String?

        package init(orderID: OrderID, shopStatus: ShopStatus? = nil, courier: String? = nil, trackingNumber: TrackingNumber? = nil, meta: String? = nil) {
            self.orderID = orderID
            self.shopStatus = shopStatus
            self.courier = courier
            self.trackingNumber = trackingNumber
            self.meta = meta
        }
    }

    /// How the configuration places couriers: the configured courier id serving a code (nil
    /// when none does), and the courier a tracking number's format names (its candidates when
    /// it could be several).
    package struct CourierPlacement: Sendable {
        package var resolve: @Sendable (String?) -> String?
        package var detect: @Sendable (TrackingNumber) -> (code: String?, candidates: [String]?)

        package init(resolve: @escaping @Sendable (String?) -> String?, detect: @escaping @Sendable (TrackingNumber) -> (code: String?, candidates: [String]?)) {
            self.resolve = resolve
            self.detect = detect
        }
    }

    /// A courier's answer about one shipment, in the model's terms.
    package enum PollResult: Sendable, Equatable {
        case found(TrackingReport)
        case notFound(message: String?)
        case failed(String)
        /// Not asked (the courier is paused); ask again in this many seconds.
        case deferred(seconds: Double)
    }

    /// What a rule decided: the order to store and what goes with it.
    package struct Update: Sendable {
        package var order: Order
        /// The order is new.
        package var created = false
        /// What intake calls a change: the stored order differs. After a poll: its status or view moved.
        package var changed = false
        /// The snapshot file must be written again (a poll that found nothing new does not).
        package var rewriteSnapshot = true
        /// A new tracking number replaced the old: the old shipment's events go.
        package var forgetEvents = false
        /// Events not seen before, to store.
        package var newEvents: [TrackingEvent] = []
        /// Keep only this many of the newest events (after storing `newEvents`).
        package var keepNewest: Int?
        /// Status changes and alerts to record, in order, each with its notifications.
        package var changes: [StatusChange] = []
        /// The aggregator's shipment status newly contradicts the events: the message to log.
        package var dispute: String?
        /// New events no status rule read, to count.
        package var unmatched: [TrackingEvent] = []

        init(order: Order) {
            self.order = order
        }
    }

    // MARK: Shop updates

    /// Creates the order `update` names, or applies it to `existing`; nil when nothing changes.
    package func apply(_ update: ShopUpdate, to existing: Order?, placement: CourierPlacement, now: Timestamp) -> Update? {
        guard let existing else { return create(update, placement: placement, now: now) }
        var order = existing
        var result = Update(order: order)
        let old = (carrier: order.carrier.status, view: order.view)
        if let status = update.shopStatus { order.shopStatus = status }
        if let meta = update.meta { order.meta = meta }
        if let courier = update.courier, courier != order.courierCode || order.courierCandidates != nil {
            order.courierCode = courier
            order.courierCandidates = nil
            order.courierID = placement.resolve(courier)
        }
        if let number = update.trackingNumber, number != order.trackingNumber {
            // A courier named earlier stays; only an order that never had one is detected.
            if update.courier == nil, order.courierCode == nil {
                (order.courierCode, order.courierCandidates) = placement.detect(number)
                order.courierID = placement.resolve(order.courierCode)
            }
            // A new tracking number is a new shipment: its history starts again.
            result.forgetEvents = order.trackingNumber != nil
            order.trackingNumber = number
            order.carrier = CarrierState()
            order.service = nil
            order.failures = 0
            order.lastError = nil
            order.confirmations = 0
            order.lastEventAt = now
            if order.courierID == nil { order.courierID = placement.resolve(order.courierCode) }
        }
        order.view = OrderView.derive(shop: order.shopStatus, carrier: order.carrier.status, hasTracking: order.trackingNumber != nil)
        if !order.isTrackable {
            order.nextCheck = nil
        } else if order.trackingNumber != existing.trackingNumber || (existing.nextCheck == nil && !order.carrier.status.isFinal && order.carrier.status != .expired) {
            order.nextCheck = now
        }
        watchDispatch(&order, now: now)
        guard order != existing else { return nil }
        order.updatedAt = now
        result.order = order
        result.changed = true
        if order.view != old.view || order.carrier.status != old.carrier {
            result.changes.append(change(of: order, from: old, event: nil, now: now))
        }
        if order.courierCandidates != nil, order.courierCandidates != existing.courierCandidates || order.trackingNumber != existing.trackingNumber {
            result.changes.append(alert(.courierNeeded, order: order, now: now))
        }
        return result
    }

    private func create(_ update: ShopUpdate, placement: CourierPlacement, now: Timestamp) -> Update {
        var order = Order(orderID: update.orderID, shopStatus: update.shopStatus ?? .awaitingShipment,
                          courierCode: update.courier, trackingNumber: update.trackingNumber, now: now)
        if update.courier == nil, let number = update.trackingNumber {
            (order.courierCode, order.courierCandidates) = placement.detect(number)
        }
        order.courierID = placement.resolve(order.courierCode)
        order.meta = update.meta
        order.nextCheck = order.isTrackable ? now : nil
        order.lastEventAt = order.trackingNumber != nil ? now : nil
        watchDispatch(&order, now: now)
        var result = Update(order: order)
        result.created = true
        result.changes.append(change(of: order, from: nil, event: nil, now: now))
        if order.courierCandidates != nil { result.changes.append(alert(.courierNeeded, order: order, now: now)) }
        return result
    }
}

extension OrderRules {
    // MARK: Alerts and scheduling

    /// The late-dispatch alert of an order, if it is due: the order with the alert cleared, and
    /// the alert itself while the order is still Ready to Ship.
    package func lateDispatch(_ order: Order, now: Timestamp) -> Update? {
        guard let due = order.dispatchAlertAt, due <= now else { return nil }
        var order = order
        order.dispatchAlertAt = nil
        order.updatedAt = now
        var result = Update(order: order)
        if order.view.seller == .readyToShip {
            result.changed = true
            result.changes.append(alert(.lateDispatch, order: order, now: now))
        }
        return result
    }

    /// A shipment that could not be polled (no courier serves it), backed off.
    package func postpone(_ order: Order, reason: String, now: Timestamp, random: Double) -> Order {
        var order = order
        order.lastError = reason
        order.failures += 1
        order.updatedAt = now
        order.nextCheck = defaultSchedule.nextAfterFailure(failures: order.failures, retryAfter: nil, now: now, random: random)
        return order
    }

    /// Starts the late-dispatch clock when an order becomes Ready to Ship; stops it when it leaves.
    func watchDispatch(_ order: inout Order, now: Timestamp) {
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
    func expireIfStalled(_ order: inout Order, now: Timestamp) {
        guard !order.carrier.status.isFinal, order.carrier.status != .expired, isStalled(order, now: now) else { return }
        order.carrier = CarrierState(status: .expired, reason: .stalled, statusTime: now)
    }

    /// Whether nothing new has been seen of the shipment for `stall_after`.
    func isStalled(_ order: Order, now: Timestamp) -> Bool {
        let since = order.lastEventAt ?? order.createdAt
        return Double(now.milliseconds - since.milliseconds) / 1000 > stallAfter
    }

    /// The status change from `old` to the order's status now, with the notification it makes.
    func change(of order: Order, from old: (carrier: CarrierStatus, view: OrderView)?, event: TrackingEvent?, now: Timestamp) -> StatusChange {
        let new = (carrier: order.carrier.status, view: order.view)
        var kind = NotificationKind.forChange(from: old, to: new)
        // Only a courier's newer scan takes a delivery back; a new tracking number or a shop
        // status from intake starts a new story, told by its own notifications.
        if kind == .deliveryCorrected, event == nil { kind = nil }
        return StatusChange(orderID: order.orderID, at: now, old: old, new: new, kind: kind, event: event)
    }

    /// An alert about an order, its status unchanged.
    func alert(_ kind: NotificationKind, order: Order, now: Timestamp) -> StatusChange {
        let state = (carrier: order.carrier.status, view: order.view)
        return StatusChange(orderID: order.orderID, at: now, old: state, new: state, kind: kind, event: nil)
    }
}
