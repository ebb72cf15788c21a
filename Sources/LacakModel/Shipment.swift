package import LacakSupport

/// One package of an order: the parcel one courier carries under one tracking number, with its
/// own events, carrier status and poll schedule.
///
/// A TikTok Shop order split over several warehouses ships as several packages; most orders
/// have one. A package exists once it has a tracking number.
package struct Shipment: Sendable, Equatable {
    package var trackingNumber: TrackingNumber
    /// The shop's id of the package (TikTok Shop's `package_id`), when the shop named one.
    package var packageID: String?
    /// The courier as the intake named it (a code such as `jne`, or a courier id).
    package var courierCode: CourierCode?
    /// The configured courier that polls it, once resolved.
    package var courierID: CourierID?
    /// Couriers the tracking number fits when detection could not choose; the package waits
    /// for a record that names one.
    package var courierCandidates: [CourierCode]?
    package var service: String?
    package var carrier: CarrierState
    /// When lacak first saw this package.
    package var addedAt: Timestamp
    /// When an event not seen before last arrived.
    package var lastEventAt: Timestamp?
    package var lastChecked: Timestamp?
    /// When the package is due for its next poll; nil when polling has stopped.
    package var nextCheck: Timestamp?
    /// Confirmation polls done since the package reached a final status.
    package var confirmations: Int
    /// Polls that failed in a row.
    package var failures: Int
    package var lastError: String?
    /// The aggregator's shipment-level status says "still moving" while the events say
    /// delivered: delivered is shown but not final, and polling goes on.
    package var disputed: Bool
    /// How many of the package's oldest events were not kept (`max_events`).
    package var eventsDropped: Int

    package init(trackingNumber: TrackingNumber, packageID: String? = nil, courierCode: CourierCode? = nil, courierID: CourierID? = nil, now: Timestamp) {
        self.trackingNumber = trackingNumber
        self.packageID = packageID
        self.courierCode = courierCode
        self.courierID = courierID
        self.courierCandidates = nil
        self.service = nil
        self.carrier = CarrierState()
        self.addedAt = now
        self.lastEventAt = now
        self.lastChecked = nil
        self.nextCheck = nil
        self.confirmations = 0
        self.failures = 0
        self.lastError = nil
        self.disputed = false
        self.eventsDropped = 0
    }

    /// Whether polling can still change anything for this package of an order in `shopStatus`.
    package func isTrackable(shopStatus: ShopStatus) -> Bool {
        shopStatus != .cancelled && courierCandidates == nil
    }

    /// How far along its journey a package is, for the one carrier status an order of several
    /// packages shows: the package furthest behind decides it. Not `CarrierStatus.phase`, which
    /// orders transitions and leaves `expired` off the journey: here an expired package counts
    /// as one still in transit, and a return as further along than a delivery.
    var progressRank: Int {
        switch carrier.status {
        case .pending: return 0
        case .infoReceived: return 1
        case .inTransit, .exception, .expired: return 2
        case .failedAttempt, .outForDelivery, .availableForPickup: return 3
        case .returning: return 4
        case .delivered, .returned, .cancelled: return 5
        }
    }
}
