

/// What one intake round did.
package struct IntakeReport: Sendable, Equatable {
    package var files = 0
    package var accepted = 0
    package var rejected = 0
    package var created = 0
    package var updated = 0
    /// Notifications queued by new and changed orders.
    package var notifications = 0
    /// Files left for later because they still look half-written.
    package var deferred = 0
    package var errors: [String] = []

    package init() {}
}

/// Counters of one courier in one poll round.
package struct CourierTally: Sendable, Equatable {
    package var polled = 0
    package var changed = 0
    package var failed = 0
    package var notFound = 0
    /// Lookups put off because the courier is paused (Retry-After, circuit breaker).
    package var deferred = 0
    package var requests = 0
    package var notifications = 0
    /// The first few distinct errors, for the summary.
    package var errors: [String] = []

    package init() {}

    mutating func note(_ error: String) {
        if errors.count < 3, !errors.contains(error) { errors.append(error) }
    }
}

/// What one poll round did, per courier.
package struct PollReport: Sendable, Equatable {
    package var couriers: [String: CourierTally] = [:]
    /// Shipments no configured courier serves.
    package var unassigned = 0
    /// Results lost because state could not be written; those shipments stay due.
    package var uncommitted = 0
    package var errors: [String] = []
    package var seconds: Double = 0

    package init() {}

    /// Whether every courier answered every request (not-found counts as an answer).
    package var allAnswered: Bool {
        couriers.values.allSatisfy { $0.failed == 0 } && uncommitted == 0 && errors.isEmpty
    }

    package var polled: Int { couriers.values.reduce(0) { $0 + $1.polled } }
    package var changed: Int { couriers.values.reduce(0) { $0 + $1.changed } }
    package var failed: Int { couriers.values.reduce(0) { $0 + $1.failed } }
}
