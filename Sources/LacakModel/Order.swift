package import LacakSupport

/// One order and its shipment as stored in state.
package struct Order: Sendable, Equatable {
    package var orderID: OrderID
    package var shopStatus: ShopStatus
    /// The courier as the intake named it (a code such as `jne`, or a courier id).
    package var courierCode: String?
    /// The configured courier that polls it, once resolved.
    package var courierID: String?
    /// Couriers the tracking number fits when detection could not choose; the order waits for
    /// a record that names one.
    package var courierCandidates: [String]?
    package var trackingNumber: TrackingNumber?
    package var service: String?
    package var carrier: CarrierState
    package var view: OrderView
    /// Extra fields from intake, kept as JSON text and copied into the snapshot.
    package var meta: String?
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    /// When an event not seen before last arrived.
    package var lastEventAt: Timestamp?
    package var lastChecked: Timestamp?
    /// When the shipment is due for its next poll; nil when polling has stopped.
    package var nextCheck: Timestamp?
    /// Confirmation polls done since the shipment reached a final status.
    package var confirmations: Int
    /// Polls that failed in a row.
    package var failures: Int
    package var lastError: String?
    /// When the seller view became Ready to Ship (cleared when it leaves it).
    package var readySince: Timestamp?
    /// When to tell the seller the order is late to ship; nil when no alert is pending.
    package var dispatchAlertAt: Timestamp?
    /// Bumped on every change; the snapshot file is current when `writtenVersion` matches.
    package var version: Int64
    package var writtenVersion: Int64
    /// The aggregator's shipment-level status says "still moving" while the events say
    /// delivered: delivered is shown but not final, and polling goes on.
    package var disputed: Bool
    /// How many of the shipment's oldest events were not kept (`max_events`).
    package var eventsDropped: Int

    package init(orderID: OrderID, shopStatus: ShopStatus, courierCode: String? = nil, courierID: String? = nil,
                trackingNumber: TrackingNumber? = nil, now: Timestamp) {
        self.orderID = orderID
        self.shopStatus = shopStatus
        self.courierCode = courierCode
        self.courierID = courierID
        self.courierCandidates = nil
        self.trackingNumber = trackingNumber
        self.service = nil
        self.carrier = CarrierState()
        self.view = OrderView.derive(shop: shopStatus, carrier: .pending, hasTracking: trackingNumber != nil)
        self.meta = nil
        self.createdAt = now
        self.updatedAt = now
        self.lastEventAt = nil
        self.lastChecked = nil
        self.nextCheck = nil
        self.confirmations = 0
        self.failures = 0
        self.lastError = nil
        self.readySince = nil
        self.dispatchAlertAt = nil
        self.version = 1
        self.writtenVersion = 0
        self.disputed = false
        self.eventsDropped = 0
    }

    /// Whether polling can still change anything for this order.
    package var isTrackable: Bool {
        trackingNumber != nil && shopStatus != .cancelled && courierCandidates == nil
    }
}
