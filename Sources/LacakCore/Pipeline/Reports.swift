/// What one intake round did.
public struct IntakeReport: Sendable, Equatable {
    public var files = 0
    public var accepted = 0
    public var rejected = 0
    public var created = 0
    public var updated = 0
    /// Notifications queued by new and changed orders.
    public var notifications = 0
    /// Files left for later because they still look half-written.
    public var deferred = 0
    public var errors: [String] = []

    public init() {}
}

/// Counters of one courier in one poll round.
public struct CourierTally: Sendable, Equatable {
    public var polled = 0
    public var changed = 0
    public var failed = 0
    public var notFound = 0
    /// Lookups put off because the courier is paused (Retry-After, circuit breaker).
    public var deferred = 0
    public var requests = 0
    public var notifications = 0
    /// The first few distinct errors, for the summary.
    public var errors: [String] = []

    public init() {}

    mutating func note(_ error: String) {
        if errors.count < 3, !errors.contains(error) { errors.append(error) }
    }
}

/// What one poll round did, per courier.
public struct PollReport: Sendable, Equatable {
    public var couriers: [String: CourierTally] = [:]
    /// Shipments no configured courier serves.
    public var unassigned = 0
    /// Results lost because state could not be written; those shipments stay due.
    public var uncommitted = 0
    public var errors: [String] = []
    public var seconds: Double = 0

    public init() {}

    /// Whether every courier answered every request (not-found counts as an answer).
    public var allAnswered: Bool {
        couriers.values.allSatisfy { $0.failed == 0 } && uncommitted == 0 && errors.isEmpty
    }

    public var polled: Int { couriers.values.reduce(0) { $0 + $1.polled } }
    public var changed: Int { couriers.values.reduce(0) { $0 + $1.changed } }
    public var failed: Int { couriers.values.reduce(0) { $0 + $1.failed } }
}
