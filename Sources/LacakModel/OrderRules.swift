package import LacakSupport

/// The rules that change an order, as pure functions: the order as stored and what happened
/// (a shop update, a courier's answer, the clock) in; the order as it is to be stored and what
/// to record with it out. No I/O: `OrderUpdater` reads the facts from state, asks these rules,
/// and writes what they return in one transaction.
package struct OrderRules: Sendable {
    /// The poll schedule of each configured courier, by courier id.
    package var schedules: [CourierID: PollSchedule]
    /// The schedule of shipments no configured courier polls.
    package var defaultSchedule: PollSchedule
    /// Seconds without anything new after which a shipment is given up (`expired`).
    package var stallAfter: Double
    /// Seconds an order may stay Ready to Ship before the seller is told it is late.
    package var dispatchDeadline: Double
    /// Events kept per shipment; older ones are dropped and counted.
    package var maxEvents: Int

    package init(schedules: [CourierID: PollSchedule], defaultSchedule: PollSchedule, stallAfter: Double, dispatchDeadline: Double, maxEvents: Int) {
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
        /// The courier code or courier id the shop named for the order, lowercase.
        package var courier: CourierCode?
        /// The tracking number of the order's only package (intake's top-level field): on an
        /// order with one package, a different number replaces it.
        package var trackingNumber: TrackingNumber?
        /// Packages named one by one; a package not listed stays as it is.
        package var packages: [Package]
        /// Extra fields, as compact JSON text.
        package var meta: String?

        package init(orderID: OrderID, shopStatus: ShopStatus? = nil, courier: CourierCode? = nil, trackingNumber: TrackingNumber? = nil,
                     packages: [Package] = [], meta: String? = nil) {
            self.orderID = orderID
            self.shopStatus = shopStatus
            self.courier = courier
            self.trackingNumber = trackingNumber
            self.packages = packages
            self.meta = meta
        }
    }

    /// One package as the shop names it.
    package struct Package: Sendable, Equatable {
        package var trackingNumber: TrackingNumber
        /// Lowercase courier code or courier id; nil: the order's courier, or detected.
        package var courier: CourierCode?
        /// The shop's package id: a package it names again with another tracking number was
        /// relabelled.
        package var packageID: String?

        package init(trackingNumber: TrackingNumber, courier: CourierCode? = nil, packageID: String? = nil) {
            self.trackingNumber = trackingNumber
            self.courier = courier
            self.packageID = packageID
        }
    }

    /// How the configuration places couriers: the configured courier id serving a code (nil
    /// when none does), and the courier a tracking number's format names (its candidates when
    /// it could be several).
    package struct CourierPlacement: Sendable {
        package var resolve: @Sendable (CourierCode?) -> CourierID?
        package var detect: @Sendable (TrackingNumber) -> (code: CourierCode?, candidates: [CourierCode]?)

        package init(resolve: @escaping @Sendable (CourierCode?) -> CourierID?, detect: @escaping @Sendable (TrackingNumber) -> (code: CourierCode?, candidates: [CourierCode]?)) {
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
    ///
    /// The store saves `order` as a whole: a package no longer in it is deleted with its events.
    package struct Update: Sendable {
        package var order: Order
        /// The order is new.
        package var created = false
        /// What intake calls a change: the stored order differs. After a poll: its status or view moved.
        package var changed = false
        /// The snapshot file must be written again (a poll that found nothing new does not).
        package var rewriteSnapshot = true
        /// The package a poll was about, whose events `newEvents` and `keepNewest` concern.
        package var shipment: TrackingNumber?
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
        let created = existing == nil
        let before = existing ?? Order(orderID: update.orderID, shopStatus: update.shopStatus ?? .awaitingShipment, now: now)
        var order = before
        let old = (carrier: order.carrierStatus, view: order.view)
        if let status = update.shopStatus { order.shopStatus = status }
        if let meta = update.meta { order.meta = meta }
        var touched: [TrackingNumber] = []
        if let number = update.trackingNumber {
            touched.append(place(Package(trackingNumber: number, courier: update.courier), sole: true, in: &order, before: before, placement: placement, now: now))
        } else if let courier = update.courier, update.packages.isEmpty {
            nameCourier(courier, in: &order, placement: placement)
        }
        for package in update.packages {
            var package = package
            if package.courier == nil { package.courier = update.courier }
            touched.append(place(package, sole: false, in: &order, before: before, placement: placement, now: now))
        }
        schedule(&order, before: before, created: created, now: now)
        order.view = OrderView.derive(shop: order.shopStatus, shipments: order.shipments)
        watchDispatch(&order, now: now)
        if !created, order == before { return nil }
        order.updatedAt = now
        var result = Update(order: order)
        result.created = created
        result.changed = true
        let named = Set(touched).count == 1 ? touched.first : order.soleShipment?.trackingNumber
        if created {
            result.changes.append(change(of: order, package: named, from: nil, event: nil, now: now))
        } else if order.view != old.view || order.carrierStatus != old.carrier {
            result.changes.append(change(of: order, package: named, from: old, event: nil, now: now))
        }
        for shipment in order.shipments where shipment.courierCandidates != nil {
            let earlier = before.shipment(shipment.trackingNumber)
            if created || earlier == nil || earlier?.courierCandidates != shipment.courierCandidates {
                result.changes.append(alert(.courierNeeded, order: order, package: shipment.trackingNumber, now: now))
            }
        }
        return result
    }

    /// Adds `package` to the order or updates the package it names; returns its tracking number.
    ///
    /// A package is found by the shop's package id, then by tracking number; the order's only
    /// package is relabelled by intake's top-level tracking number (`sole`). A new tracking
    /// number is a new shipment: its history starts again, unless the order had that number
    /// before this record (labels swapped between packages): a tracking number's history is
    /// that number's, whichever package the shop files it under.
    private func place(_ package: Package, sole: Bool, in order: inout Order, before: Order, placement: CourierPlacement, now: Timestamp) -> TrackingNumber {
        let number = package.trackingNumber
        let index = package.packageID.flatMap { id in order.shipments.firstIndex { $0.packageID == id } }
            ?? order.shipments.firstIndex { $0.trackingNumber == number }
            ?? (sole && order.shipments.count == 1 ? 0 : nil)
        guard let index else {
            order.shipments.append(freshShipment(package, courier: package.courier ?? order.courierCode, before: before, placement: placement, now: now))
            return number
        }
        var shipment = order.shipments[index]
        if shipment.trackingNumber != number {
            // Another package of the order already has the new number: the shop merged two
            // labels into one; the one named keeps its history, the other goes.
            if let other = order.shipments.firstIndex(where: { $0.trackingNumber == number }) {
                order.shipments.remove(at: index)
                return placeExisting(package, at: other > index ? other - 1 : other, in: &order, placement: placement)
            }
            // A courier named earlier stays; only a package that never had one is detected.
            shipment = freshShipment(package, courier: package.courier ?? shipment.courierCode, before: before, placement: placement, now: now)
            shipment.packageID = package.packageID ?? order.shipments[index].packageID
            order.shipments[index] = shipment
            return number
        }
        return placeExisting(package, at: index, in: &order, placement: placement)
    }

    private func placeExisting(_ package: Package, at index: Int, in order: inout Order, placement: CourierPlacement) -> TrackingNumber {
        var shipment = order.shipments[index]
        if let courier = package.courier, courier != shipment.courierCode || shipment.courierCandidates != nil {
            shipment.courierCode = courier
            shipment.courierCandidates = nil
            shipment.courierID = placement.resolve(courier)
        }
        if let id = package.packageID { shipment.packageID = id }
        order.shipments[index] = shipment
        return shipment.trackingNumber
    }

    /// The package for a number not in the order now: the order's earlier state of that
    /// number if it had one before this record, else a new shipment.
    private func freshShipment(_ package: Package, courier: CourierCode?, before: Order, placement: CourierPlacement, now: Timestamp) -> Shipment {
        guard var earlier = before.shipment(package.trackingNumber) else {
            return newShipment(package, courier: courier, placement: placement, now: now)
        }
        if let id = package.packageID { earlier.packageID = id }
        if let named = package.courier, named != earlier.courierCode || earlier.courierCandidates != nil {
            earlier.courierCode = named
            earlier.courierCandidates = nil
            earlier.courierID = placement.resolve(named)
        }
        return earlier
    }

    private func newShipment(_ package: Package, courier: CourierCode?, placement: CourierPlacement, now: Timestamp) -> Shipment {
        var shipment = Shipment(trackingNumber: package.trackingNumber, packageID: package.packageID, courierCode: courier, now: now)
        if courier == nil { (shipment.courierCode, shipment.courierCandidates) = placement.detect(package.trackingNumber) }
        shipment.courierID = placement.resolve(shipment.courierCode)
        return shipment
    }

    /// A record naming only a courier: the one package, or those waiting for a courier, get it.
    /// An order without packages, or with several, also keeps it for packages added later
    /// without one (on a one-package order the package's own courier already says it).
    private func nameCourier(_ courier: CourierCode, in order: inout Order, placement: CourierPlacement) {
        if order.shipments.count != 1 { order.courierCode = courier }
        for index in order.shipments.indices {
            let shipment = order.shipments[index]
            guard order.shipments.count == 1 || shipment.courierCandidates != nil else { continue }
            if courier != shipment.courierCode || shipment.courierCandidates != nil {
                order.shipments[index].courierCode = courier
                order.shipments[index].courierCandidates = nil
                order.shipments[index].courierID = placement.resolve(courier)
            }
        }
    }

    /// Polls a package from now when it is new, became trackable again, or its courier was
    /// just named; stops polling packages that cannot change.
    private func schedule(_ order: inout Order, before: Order, created: Bool, now: Timestamp) {
        let shopStatus = order.shopStatus
        for index in order.shipments.indices {
            var shipment = order.shipments[index]
            let earlier = created ? nil : before.shipment(shipment.trackingNumber)
            if !shipment.isTrackable(shopStatus: shopStatus) {
                shipment.nextCheck = nil
            } else if earlier == nil || (earlier?.nextCheck == nil && !shipment.carrier.status.isFinal && shipment.carrier.status != .expired) {
                shipment.nextCheck = now
            }
            order.shipments[index] = shipment
        }
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
            result.changes.append(alert(.lateDispatch, order: order, package: nil, now: now))
        }
        return result
    }

    /// A package that could not be polled (no courier serves it), backed off.
    package func postpone(_ number: TrackingNumber, of order: Order, reason: String, now: Timestamp, random: Double) -> Order {
        var order = order
        guard let index = order.shipments.firstIndex(where: { $0.trackingNumber == number }) else { return order }
        order.shipments[index].lastError = reason
        order.shipments[index].failures += 1
        order.shipments[index].nextCheck = defaultSchedule.nextAfterFailure(failures: order.shipments[index].failures, retryAfter: nil, now: now, random: random)
        order.updatedAt = now
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

    /// Gives up on a package that has shown nothing new for `stall_after`.
    func expireIfStalled(_ shipment: inout Shipment, now: Timestamp) {
        guard !shipment.carrier.status.isFinal, shipment.carrier.status != .expired, isStalled(shipment, now: now) else { return }
        shipment.carrier = CarrierState(status: .expired, reason: .stalled, statusTime: now)
    }

    /// Whether nothing new has been seen of the package for `stall_after`.
    func isStalled(_ shipment: Shipment, now: Timestamp) -> Bool {
        let since = shipment.lastEventAt ?? shipment.addedAt
        return Double(now.milliseconds - since.milliseconds) / 1000 > stallAfter
    }

    /// The status change from `old` to the order's status now, with the notification it makes.
    /// The carrier status is `package`'s when the change names one.
    func change(of order: Order, package: TrackingNumber?, from old: (carrier: CarrierStatus, view: OrderView)?, event: TrackingEvent?, now: Timestamp,
                carrier: CarrierStatus? = nil) -> StatusChange {
        let new = (carrier: carrier ?? order.carrierStatus, view: order.view)
        var kind = NotificationKind.forChange(from: old, to: new)
        // Only a courier's newer scan takes a delivery back; a new tracking number or a shop
        // status from intake starts a new story, told by its own notifications.
        if kind == .deliveryCorrected, event == nil { kind = nil }
        return StatusChange(orderID: order.orderID, trackingNumber: package, at: now, old: old, new: new, kind: kind, event: event)
    }

    /// An alert about an order (about one of its packages, when named), its status unchanged.
    func alert(_ kind: NotificationKind, order: Order, package: TrackingNumber?, now: Timestamp) -> StatusChange {
        let carrier = package.flatMap { order.shipment($0)?.carrier.status } ?? order.carrierStatus
        let state = (carrier: carrier, view: order.view)
        return StatusChange(orderID: order.orderID, trackingNumber: package, at: now, old: state, new: state, kind: kind, event: nil)
    }
}
