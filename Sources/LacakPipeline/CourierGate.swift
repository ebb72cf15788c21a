import Dispatch
import LacakSupport
package import LacakConfig

/// Paces the requests to one courier: a token bucket for its rate limit, the pauses it asks
/// for with `Retry-After`, and a circuit breaker that backs off when it keeps failing.
///
/// The bucket is kept as a generic cell rate algorithm: each admission reserves the next free
/// slot and returns how long to wait for it, so waiting happens outside the actor and requests
/// go out in arrival order at exactly the configured rate. Each courier has its own gate, so a
/// courier that is down or slow never holds up another.
package actor CourierGate {
    private let interval: Double?
    private let burst: Int
    private let initialBackoff: Double
    private let maxBackoff: Double
    /// Failed batches in a row that open the circuit.
    static let failureThreshold = 5
    private let clock = ContinuousClock()
    private var theoreticalArrival: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant
    private var consecutiveFailures = 0
    private var backoffLevel = 0
    /// `pausedUntil` on the wall clock, readable without awaiting the actor.
    private let pauseEnd = LockBox<Timestamp>(Timestamp(milliseconds: 0))

    /// Whether the courier is paused right now (Retry-After, out of quota, circuit open).
    package nonisolated var isPaused: Bool {
        pauseEnd.withLock { $0 } > Timestamp.now
    }

    /// `rate` requests per second (nil: unlimited) with up to `burst` at once; after
    /// `failureThreshold` failed batches in a row the courier is paused for `initialBackoff`,
    /// doubling (with ±10% jitter) up to `maxBackoff` while it keeps failing.
    package init(rate: Double?, burst: Int, initialBackoff: Double = 60, maxBackoff: Double = 3600) {
        self.interval = rate.map { 1 / $0 }
        self.burst = max(1, burst)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        let now = clock.now
        theoreticalArrival = now
        pausedUntil = now
    }

    /// The gate for a courier's settings.
    package init(courier: CourierSettings, daemon: DaemonSettings) {
        self.init(rate: courier.rateLimit, burst: courier.burst, initialBackoff: daemon.initialBackoff.seconds, maxBackoff: daemon.maxBackoff.seconds)
    }

    /// What a request should do.
    package enum Admission: Sendable, Equatable {
        /// Go after waiting this long (zero: now).
        case proceed(after: Duration)
        /// The courier is paused for longer than the caller is willing to wait; this many seconds remain.
        case deferred(seconds: Double)
    }

    /// Reserves a slot for one request, unless that means waiting longer than `maxWait`.
    package func admit(maxWait: Duration) -> Admission {
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
    /// Waits are bounded to 30 days here whatever the caller passes (`Duration` traps on huge
    /// values); the pipeline clamps a courier's wish to `retry_max` before.
    package func pause(seconds asked: Double) {
        let seconds = asked.isFinite ? min(max(asked, 0), RetryAfter.longest) : RetryAfter.longest
        let until = clock.now + .seconds(seconds)
        if until > pausedUntil {
            pausedUntil = until
            pauseEnd.withLock { $0 = Timestamp.now.adding(seconds: seconds) }
        }
    }

    /// Records how a batch went; returns the pause in seconds when this failure opened the circuit.
    @discardableResult
    package func record(failure: Bool) -> Double? {
        guard failure else {
            consecutiveFailures = 0
            backoffLevel = 0
            return nil
        }
        // Requests sent before the circuit opened keep failing for a while; they say nothing new.
        guard pausedUntil <= clock.now else { return nil }
        consecutiveFailures += 1
        guard consecutiveFailures >= Self.failureThreshold else { return nil }
        var seconds = initialBackoff
        for _ in 0..<min(backoffLevel, 30) { seconds *= 2 }
        seconds = min(seconds, maxBackoff) * Double.random(in: 0.9...1.1)
        backoffLevel += 1
        // Half open: after the pause, one more failure opens the circuit again, for longer.
        consecutiveFailures = Self.failureThreshold - 1
        pause(seconds: seconds)
        return seconds
    }
}

