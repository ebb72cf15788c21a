package import LacakSupport

extension OrderRules {
    /// Applies a courier's answer about `due` to its order; nil when the order no longer
    /// tracks that package (relabelled, cancelled, waiting for a courier).
    ///
    /// `known` are the fingerprints of the events stored for the package; `polledBy` is the
    /// courier that answered (a fallback provider, when the first one failed).
    package func apply(_ result: PollResult, to due: DueShipment, of order: Order, known: Set<String>, polledBy: CourierID?,
                       retryAfter: Double?, now: Timestamp, random: Double) -> Update? {
        guard let index = order.shipments.firstIndex(where: { $0.trackingNumber == due.trackingNumber }),
              order.shipments[index].isTrackable(shopStatus: order.shopStatus) else { return nil }
        let before = order.shipments[index]
        var order = order
        var shipment = before
        var update = Update(order: order)
        update.shipment = shipment.trackingNumber
        if let polledBy, !result.isDeferred { shipment.courierID = polledBy }
        let schedule = shipment.courierID.flatMap { schedules[$0] } ?? defaultSchedule
        let old = (carrier: shipment.carrier.status, view: order.view)
        let wasFinal = shipment.carrier.status.isFinal
        var deciding: TrackingEvent?

        switch result {
        case .found(let report):
            shipment.lastChecked = now
            // A shipment with a hundred thousand events keeps its newest max_events: the older
            // ones are not read again on every poll, and the snapshot says how many went.
            var incoming = report.events
            let truncated = incoming.count > maxEvents
            if truncated {
                // Newest first, ties by fingerprint: the order the store keeps by, so what the
                // answer keeps and what state keeps are the same events.
                incoming.sort { $0.time != $1.time ? $0.time > $1.time : $0.fingerprint < $1.fingerprint }
                shipment.eventsDropped = max(shipment.eventsDropped, incoming.count - maxEvents)
                incoming.removeLast(incoming.count - maxEvents)
            }
            let progress = ShipmentProgress(current: shipment.carrier, knownFingerprints: known, incoming: incoming,
                                            evidence: report.evidence, now: now)
            update.newEvents = progress.newEvents
            if known.count + progress.newEvents.count > maxEvents {
                update.keepNewest = maxEvents
                // When the answer itself was cut, the pruned ones are among those counted above.
                if !truncated { shipment.eventsDropped += known.count + progress.newEvents.count - maxEvents }
            }
            if !progress.newEvents.isEmpty { shipment.lastEventAt = now }
            if let service = report.service { shipment.service = service }
            shipment.carrier = progress.state
            deciding = progress.decidingEvent
            shipment.failures = 0
            shipment.lastError = nil
            let disputed = progress.disputed && shipment.carrier.status == .delivered
            if disputed, !shipment.disputed {
                update.dispute = "\(order.orderID) \(due.trackingNumber): the events say delivered, the shipment status says \"\(report.evidence?.text ?? "")\"; polling goes on until they agree"
            }
            shipment.disputed = disputed
            // Final only when a confirmation poll found nothing newer and the aggregator agrees.
            let confirmed = wasFinal && shipment.carrier.status.isFinal && !progress.foundNewer && !disputed
            if confirmed { shipment.confirmations += 1 }
            if !shipment.carrier.status.isFinal { shipment.confirmations = 0 }
            expireIfStalled(&shipment, now: now)
            shipment.nextCheck = schedule.nextAfterSuccess(status: shipment.carrier.status, wasFinal: confirmed, now: now, random: random)
            if disputed, isStalled(shipment, now: now) { shipment.nextCheck = nil }
            update.unmatched = progress.newEvents.filter { $0.status == nil && !$0.description.isEmpty }
        case .notFound(let message):
            shipment.lastChecked = now
            if shipment.carrier.status == .pending { shipment.carrier.reason = .notFound }
            shipment.failures = 0
            shipment.lastError = "not found" + (message.map { ": \($0)" } ?? "")
            expireIfStalled(&shipment, now: now)
            shipment.nextCheck = schedule.nextAfterSuccess(status: shipment.carrier.status, wasFinal: wasFinal, now: now, random: random)
        case .failed(let message):
            shipment.lastChecked = now
            shipment.failures += 1
            shipment.lastError = message
            shipment.nextCheck = schedule.nextAfterFailure(failures: shipment.failures, retryAfter: retryAfter, now: now, random: random)
        case .deferred(let seconds):
            shipment.nextCheck = now.adding(seconds: seconds)
        }
        order.shipments[index] = shipment
        order.view = OrderView.derive(shop: order.shopStatus, shipments: order.shipments)
        watchDispatch(&order, now: now)
        // A poll that found nothing new rewrites no snapshot: only when it was checked and when
        // it is due again moved (polling neither started nor stopped), and readers need not
        // see every poll as a changed file.
        var unchanged = shipment
        unchanged.lastChecked = before.lastChecked
        if (shipment.nextCheck == nil) == (before.nextCheck == nil) { unchanged.nextCheck = before.nextCheck }
        var unchangedOrder = order
        unchangedOrder.shipments[index] = unchanged
        if unchangedOrder == update.order {
            update.rewriteSnapshot = false
        } else {
            order.updatedAt = now
        }
        if shipment.carrier.status != old.carrier || order.view != old.view {
            update.changed = true
            update.changes.append(change(of: order, package: shipment.trackingNumber, from: old, event: deciding, now: now, carrier: shipment.carrier.status))
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
