/// The carrier-side state of one shipment, as kept between polls.
public struct CarrierState: Sendable, Equatable {
    public var status: CarrierStatus
    public var reason: StatusReason?
    /// Time of the event that set `status`; older events never change it.
    public var statusTime: Timestamp?

    public init(status: CarrierStatus = .pending, reason: StatusReason? = nil, statusTime: Timestamp? = nil) {
        self.status = status
        self.reason = reason
        self.statusTime = statusTime
    }
}

/// Folds freshly fetched events into a shipment: drops the ones already known, orders the rest
/// by time, and advances the status without ever moving it backwards.
public struct ShipmentProgress: Sendable {
    /// Events not seen before, in chronological order.
    public var newEvents: [TrackingEvent]
    /// The state after applying them.
    public var state: CarrierState
    /// The event that produced the final status, when the status changed.
    public var decidingEvent: TrackingEvent?

    /// Applies `incoming` on top of `current`, given the fingerprints of the events already stored.
    public init(current: CarrierState, knownFingerprints: Set<String>, incoming: [TrackingEvent]) {
        var seen = knownFingerprints
        var fresh: [TrackingEvent] = []
        fresh.reserveCapacity(incoming.count)
        for event in incoming where seen.insert(event.fingerprint).inserted {
            fresh.append(event)
        }
        fresh.sort(by: TrackingEvent.chronological)
        var state = current
        var deciding: TrackingEvent?
        for event in fresh {
            guard let status = event.status else { continue }
            if let statusTime = state.statusTime, event.time < statusTime { continue }
            guard state.status.allowsTransition(to: status) else { continue }
            if status != state.status || event.reason != state.reason {
                deciding = event
            }
            state.status = status
            state.reason = event.reason
            state.statusTime = event.time
        }
        self.newEvents = fresh
        self.state = state
        self.decidingEvent = state.status != current.status || state.reason != current.reason ? deciding : nil
    }
}
