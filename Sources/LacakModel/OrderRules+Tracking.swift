package import LacakSupport

extension OrderRules {
    /// Applies a courier's answer about `shipment` to its order; nil when the order no longer
    /// tracks that shipment (a new tracking number, cancelled, waiting for a courier).
    ///
    /// `known` are the fingerprints of the events stored for it; `polledBy` is the courier that
    /// answered (a fallback provider, when the first one failed).
    package func apply(_ result: PollResult, to shipment: DueShipment, of order: Order, known: Set<String>, polledBy: String?,
                       retryAfter: Double?, now: Timestamp, random: Double) -> Update? {
        guard order.trackingNumber == shipment.trackingNumber, order.isTrackable else { return nil }
        let before = order
        var order = order
        var update = Update(order: order)
        if let polledBy, !result.isDeferred { order.courierID = polledBy }
        let schedule = order.courierID.flatMap { schedules[$0] } ?? defaultSchedule
        let old = (carrier: order.carrier.status, view: order.view)
        let wasFinal = order.carrier.status.isFinal
        order.updatedAt = now
        var deciding: TrackingEvent?

        switch result {
        case .found(let report):
            order.lastChecked = now
            // A shipment with a hundred thousand events keeps its newest max_events: the older
            // ones are not read again on every poll, and the snapshot says how many went.
            var incoming = report.events
            let truncated = incoming.count > maxEvents
            if truncated {
                // Newest first, ties by fingerprint: the order the store keeps by, so what the
                // answer keeps and what state keeps are the same events.
                incoming.sort { $0.time != $1.time ? $0.time > $1.time : $0.fingerprint < $1.fingerprint }
                order.eventsDropped = max(order.eventsDropped, incoming.count - maxEvents)
                incoming.removeLast(incoming.count - maxEvents)
            }
            let progress = ShipmentProgress(current: order.carrier, knownFingerprints: known, incoming: incoming,
                                            evidence: report.evidence, now: now)
            update.newEvents = progress.newEvents
            if known.count + progress.newEvents.count > maxEvents {
                update.keepNewest = maxEvents
                // When the answer itself was cut, the pruned ones are among those counted above.
                if !truncated { order.eventsDropped += known.count + progress.newEvents.count - maxEvents }
            }
            if !progress.newEvents.isEmpty { order.lastEventAt = now }
            if let service = report.service { order.service = service }
            order.carrier = progress.state
            deciding = progress.decidingEvent
            order.failures = 0
            order.lastError = nil
            let disputed = progress.disputed && order.carrier.status == .delivered
            if disputed, !order.disputed {
                update.dispute = "\(order.orderID) \(shipment.trackingNumber): the events say delivered, the shipment status says \"\(report.evidence?.text ?? "")\"; polling goes on until they agree"
            }
            order.disputed = disputed
            // Final only when a confirmation poll found nothing newer and the aggregator agrees.
            let confirmed = wasFinal && order.carrier.status.isFinal && !progress.foundNewer && !disputed
            if confirmed { order.confirmations += 1 }
            if !order.carrier.status.isFinal { order.confirmations = 0 }
            expireIfStalled(&order, now: now)
            order.nextCheck = schedule.nextAfterSuccess(status: order.carrier.status, wasFinal: confirmed, now: now, random: random)
            if disputed, isStalled(order, now: now) { order.nextCheck = nil }
            update.unmatched = progress.newEvents.filter { $0.status == nil && !$0.description.isEmpty }
        case .notFound(let message):
            order.lastChecked = now
            if order.carrier.status == .pending { order.carrier.reason = .notFound }
            order.failures = 0
            order.lastError = "not found" + (message.map { ": \($0)" } ?? "")
            expireIfStalled(&order, now: now)
            order.nextCheck = schedule.nextAfterSuccess(status: order.carrier.status, wasFinal: wasFinal, now: now, random: random)
        case .failed(let message):
            order.lastChecked = now
            order.failures += 1
            order.lastError = message
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
            update.rewriteSnapshot = false
        }
        if order.carrier.status != old.carrier || order.view != old.view {
            update.changed = true
            update.changes.append(change(of: order, from: old, event: deciding, now: now))
        }
        update.order = order
        return update
    }
}

extension OrderRules.PollResult {
    package var isDeferred: Bool {
        if case .deferred = self { return true }
        return false
    }
}
