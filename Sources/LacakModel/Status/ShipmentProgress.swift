package import LacakSupport

/// The carrier-side state of one shipment, as kept between polls.
package struct CarrierState: Sendable, Equatable {
    package var status: CarrierStatus
    package var reason: StatusReason?
    /// Time of the event that set `status`; older events never change it.
    package var statusTime: Timestamp?

    package init(status: CarrierStatus = .pending, reason: StatusReason? = nil, statusTime: Timestamp? = nil) {
        self.status = status
        self.reason = reason
        self.statusTime = statusTime
    }
}

/// What an aggregator says about a shipment as a whole, beside its events: Binderbyte's
/// `summary.status`, RajaOngkir's `delivered` and `delivery_status`.
package struct ShipmentEvidence: Sendable, Equatable {
    /// The shipment-level status as the API wrote it (`DELIVERED`, `ON PROCESS`).
    package var text: String?
    /// What it means, when the preset maps it.
    package var status: CarrierStatus?

    package init(text: String?, status: CarrierStatus?) {
        self.text = text
        self.status = status
    }
}

/// Folds freshly fetched events into a shipment: drops the ones already known, orders the rest
/// by time, and moves the status to what the newest events say.
///
/// Late events with older timestamps never change the status; moving back along the journey
/// (a scan after "delivered") needs a strictly newer event; events dated further ahead than
/// `futureTolerance` are kept but decide nothing, so a courier's clock typo cannot pin a status.
package struct ShipmentProgress: Sendable {
    /// Events not seen before, in chronological order.
    package var newEvents: [TrackingEvent]
    /// The state after applying them.
    package var state: CarrierState
    /// The event that produced the final status, when the status changed.
    package var decidingEvent: TrackingEvent?
    /// Some new event is newer than the one that set the status: a confirmation poll of a
    /// final status found something, so polling goes on.
    package var foundNewer: Bool
    /// The shipment-level status contradicts the events' "delivered" (the aggregator says the
    /// parcel is still moving): delivered is not trusted as final.
    package var disputed: Bool
    /// New events ignored for the status because they are dated in the future.
    package var futureEvents: Int

    /// How far ahead of now an event may be dated and still decide the status (two days: a
    /// courier's time zone mistakes stay inside it, a year typo does not).
    package static let futureTolerance: Double = 2 * 86_400

    /// Applies `incoming` on top of `current`, given the fingerprints of the events already
    /// stored, the shipment-level `evidence` of the same answer, and the time now (nil: no
    /// check for events from the future).
    package init(current: CarrierState, knownFingerprints: Set<String>, incoming: [TrackingEvent],
                evidence: ShipmentEvidence? = nil, now: Timestamp? = nil) {
        var seen = knownFingerprints
        var fresh: [TrackingEvent] = []
        fresh.reserveCapacity(incoming.count)
        for event in incoming where seen.insert(event.fingerprint).inserted {
            fresh.append(event)
        }
        fresh.sort(by: TrackingEvent.chronological)
        let horizon = now?.adding(seconds: Self.futureTolerance)
        var state = current
        var deciding: TrackingEvent?
        var foundNewer = false
        var futureEvents = 0
        var latest: TrackingEvent?
        for event in fresh {
            if let horizon, event.time > horizon {
                futureEvents += 1
                continue
            }
            if latest.map({ event.time >= $0.time }) ?? true { latest = event }
            if let statusTime = state.statusTime {
                if event.time < statusTime { continue }
                if event.time > statusTime { foundNewer = true }
            } else {
                foundNewer = true
            }
            guard var status = event.status else { continue }
            var reason = event.reason
            // A return that is "delivered" has reached the shop again.
            if state.status == .returning, status == .delivered {
                status = .returned
                reason = nil
            }
            guard state.status.allowsTransition(to: status) else { continue }
            if state.status.isStepBack(to: status), let statusTime = state.statusTime, event.time <= statusTime { continue }
            if status != state.status || reason != state.reason {
                deciding = event
                deciding?.status = status
                deciding?.reason = reason
            }
            state.status = status
            state.reason = reason
            state.statusTime = event.time
        }
        var disputed = false
        if let claimed = evidence?.status {
            if claimed.isFinal || claimed == .returning {
                // The aggregator's own verdict fills in what no event said in words.
                if claimed != state.status, claimed.phase > state.status.phase, state.status.allowsTransition(to: claimed) {
                    var statusTime = state.statusTime
                    if var basis = latest {
                        basis.status = claimed
                        basis.reason = nil
                        deciding = basis
                        statusTime = max(basis.time, statusTime ?? basis.time)
                    } else {
                        deciding = nil
                        statusTime = statusTime ?? now
                    }
                    state = CarrierState(status: claimed, reason: nil, statusTime: statusTime)
                }
            } else if state.status == .delivered {
                // "Still moving" beside events that say delivered: shown as delivered, but not
                // trusted as final until the two agree.
                disputed = true
            }
        }
        self.newEvents = fresh
        self.state = state
        self.decidingEvent = state.status != current.status || state.reason != current.reason ? deciding : nil
        self.foundNewer = foundNewer
        self.disputed = disputed
        self.futureEvents = futureEvents
    }
}
