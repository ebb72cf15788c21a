/// Paces the requests to one courier: a token bucket for its rate limit, and pauses the
/// courier asks for with `Retry-After`.
///
/// The bucket is kept as a generic cell rate algorithm: each admission reserves the next free
/// slot and returns how long to wait for it, so waiting happens outside the actor and requests
/// go out in arrival order at exactly the configured rate.
public actor CourierGate {
    private let interval: Double?
    private let burst: Int
    private let clock = ContinuousClock()
    private var theoreticalArrival: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant

    /// `rate` requests per second (nil: unlimited) with up to `burst` at once.
    public init(rate: Double?, burst: Int) {
        self.interval = rate.map { 1 / $0 }
        self.burst = max(1, burst)
        let now = clock.now
        theoreticalArrival = now
        pausedUntil = now
    }

    /// What a request should do.
    public enum Admission: Sendable, Equatable {
        /// Go after waiting this long (zero: now).
        case proceed(after: Duration)
        /// The courier is paused for longer than the caller is willing to wait; this many seconds remain.
        case deferred(seconds: Double)
    }

    /// Reserves a slot for one request, unless that means waiting longer than `maxWait`.
    public func admit(maxWait: Duration) -> Admission {
        let now = clock.now
        if pausedUntil > now, pausedUntil - now > maxWait {
            return .deferred(seconds: (pausedUntil - now).seconds)
        }
        let start = max(now, pausedUntil)
        guard let interval else { return .proceed(after: start - now) }
        let step = Duration.seconds(interval)
        let arrival = max(theoreticalArrival, start)
        // Up to `burst - 1` slots may be borrowed from the future.
        let allowedAt = arrival - step * (burst - 1)
        let wait = max(allowedAt, start) - now
        if wait > maxWait {
            return .deferred(seconds: wait.seconds)
        }
        theoreticalArrival = arrival + step
        return .proceed(after: wait)
    }

    /// Stops admissions for `seconds` (a courier's Retry-After), unless already paused longer.
    public func pause(seconds: Double) {
        let until = clock.now + .seconds(seconds)
        if until > pausedUntil { pausedUntil = until }
    }
}

extension Duration {
    /// The duration as floating-point seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
