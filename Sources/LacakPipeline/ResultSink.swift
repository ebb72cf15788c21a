import LacakModel
import LacakCouriers

/// Collects tracking results from a courier's workers for the single task that commits them.
///
/// The committer takes everything that arrived while it was busy, so the size of each
/// transaction grows with load on its own: one result per commit when idle, hundreds when busy.
actor ResultSink {
    /// One shipment's answer.
    struct Item: Sendable {
        var shipment: DueShipment
        var courierID: CourierID
        var outcome: TrackingOutcome
        var retryAfter: Double?
        /// HTTP requests this item accounts for (a batch's requests are counted on its first item).
        var requestCount = 0
    }

    private var items: [Item] = []
    private var waiter: CheckedContinuation<[Item]?, Never>?
    private var closed = false

    func add(_ newItems: [Item]) {
        guard !newItems.isEmpty else { return }
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: newItems)
        } else {
            items.append(contentsOf: newItems)
        }
    }

    /// No more items will come; `take` returns nil once the rest is taken.
    func close() {
        closed = true
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: nil)
        }
    }

    /// Waits for at least one item and returns up to `limit` of them; nil when closed and empty.
    func take(limit: Int) async -> [Item]? {
        if !items.isEmpty {
            let count = min(limit, items.count)
            let taken = Array(items.prefix(count))
            items.removeFirst(count)
            return taken
        }
        if closed { return nil }
        return await withCheckedContinuation { waiter = $0 }
    }
}
